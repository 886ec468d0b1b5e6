// What every area shares: the console context, loading with errors, the alert and status lines, dates, and
// the field that shows a new secret once.
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.ts';
import type { Locale, Messages } from './i18n.ts';

export interface Me {
  tenant: { code: string; displayName: string };
  user: { id: string; email: string | null; name: string | null; roles: string[] };
  permissions: string[];
  staff: boolean;
}

export interface ConsoleContext {
  api: Api;
  t: Messages;
  locale: Locale;
  me: Me;
  /** What `/me` says the roles allow; the server still judges every request. */
  can: (permission: string) => boolean;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(Console);
  if (!context) throw new Error('useConsole outside the console');
  return context;
}

/** The message of anything thrown (an ApiError carries the API's own message). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads with `load` now and on `reload()`; a failure leaves the message in `error`. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  const reload = useCallback(async () => {
    const run = ++latest.current;
    try {
      const value = await load();
      if (run !== latest.current) return;
      setData(value);
      setError(null);
    } catch (e) {
      if (run === latest.current) setError(messageOf(e));
    }
  }, deps);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { data, error, reload };
}

/**
 * Runs a write: clears the last outcome, shows the API's message in the alert on failure, or `done` as the
 * status on success.
 */
export function useAction() {
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (action: () => Promise<string | null | undefined>) => {
    setError(null);
    setStatus(null);
    setBusy(true);
    try {
      setStatus((await action()) ?? null);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }, []);
  return { error, status, busy, run };
}

/** The alert region: an error message, announced at once. */
export function Alert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p role="alert" class="alert">
      {message}
    </p>
  );
}

/** A polite status line (what a write did). Always present, so it is announced when it changes. */
export function Status({ message }: { message: string | null | undefined }) {
  return (
    <p role="status" class="status">
      {message ?? ''}
    </p>
  );
}

export function formatDate(locale: Locale, iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A new secret, in a read-only field with a Copy button, and the note that it is shown only now. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const { t } = useConsole();
  const [copied, setCopied] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useRef(`secret-${Math.random().toString(36).slice(2)}`).current;
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [value]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(t.keys.copied);
    } catch {
      input.current?.select();
      setCopied(t.keys.copyFailed);
    }
  };
  return (
    <div class="secret" data-secret>
      <label for={id}>{label}</label>
      <div class="secret-row">
        <input
          id={id}
          ref={input}
          class="mono"
          type="text"
          readOnly
          value={value}
          aria-describedby={`${id}-note`}
        />
        <button type="button" onClick={copy}>
          {t.keys.copy}
        </button>
      </div>
      <p id={`${id}-note`} class="note">
        {t.keys.shownOnce}
      </p>
      <p role="status" class="status">
        {copied ?? ''}
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        {t.keys.dismiss}
      </button>
    </div>
  );
}
