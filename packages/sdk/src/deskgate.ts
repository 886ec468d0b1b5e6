// The Deskgate instance: session probe, silent refresh, credentialed fetch, events; the overlay on demand.
import { paths, SDK_HEADER, type SessionInfo } from '@deskgate/protocol';
import { createSend, readJson, readSession, toErrorInfo } from './http.ts';
import { resolveOptions } from './options.ts';
import { createRefresher, type LockManagerLike } from './refresh.ts';
import type {
  Deskgate,
  DeskgateEventMap,
  DeskgateEventName,
  DeskgateListener,
  DeskgateOptions,
  OverlayContext,
  OverlayHandle,
  OverlayModule,
} from './types.ts';

/** What the instance takes from the browser; tests pass fakes. */
export interface Environment {
  fetch: typeof fetch;
  /** Receives the `deskgate:*` CustomEvents. @default window */
  events: EventTarget;
  /** @default navigator.locks */
  locks: LockManagerLike | undefined;
}

export function createInstance(
  options: DeskgateOptions,
  loadOverlay: () => Promise<OverlayModule>,
  environment?: Partial<Environment>,
): Deskgate {
  const resolved = resolveOptions(options);
  const { tenant, apiUrl } = resolved;
  const fetchFn = environment?.fetch ?? ((input, init) => fetch(input, init));
  const target = environment?.events ?? window;
  const send = createSend(apiUrl, fetchFn);
  const listeners: Record<string, Set<(detail: unknown) => void>> = {};
  let session: SessionInfo | null = null;
  let destroyed = false;
  let overlay: Promise<OverlayHandle | undefined> | undefined;
  let overlayGeneration = 0;
  let loggingIn: Promise<SessionInfo | null> | undefined;

  function emit<K extends DeskgateEventName>(name: K, detail: DeskgateEventMap[K]) {
    if (destroyed) return;
    for (const listener of listeners[name] ?? []) {
      try {
        listener(detail);
      } catch (error) {
        // A failing listener must not stop the others, nor the SDK; report it as uncaught.
        setTimeout(() => {
          throw error;
        });
      }
    }
    target.dispatchEvent(new CustomEvent(`deskgate:${name}`, { detail }));
  }

  function on<K extends DeskgateEventName>(name: K, listener: DeskgateListener<K>) {
    const set = listeners[name] ?? new Set();
    const entry = listener as (detail: unknown) => void;
    listeners[name] = set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** `ready` when a session appears, `signed-out` when one disappears; a session hides the overlay. */
  function setSession(next: SessionInfo | null) {
    const previous = session;
    session = next;
    if (next) {
      hideOverlay();
      if (!previous) emit('ready', next);
    } else if (previous) emit('signed-out', undefined);
  }

  const context: OverlayContext = {
    ...resolved,
    send,
    onSignedIn: setSession,
    onError: (error) => emit('error', error),
  };

  function showOverlay(): Promise<unknown> {
    if (destroyed || session) return Promise.resolve();
    if (!overlay) {
      const generation = ++overlayGeneration;
      overlay = loadOverlay().then(
        (module) =>
          generation === overlayGeneration && !destroyed && !session
            ? module.mountOverlay(context)
            : undefined,
        (error: unknown) => {
          if (generation === overlayGeneration) overlay = undefined;
          emit('error', { code: 'overlay_load_failed', message: String(error) });
          return undefined;
        },
      );
    }
    return overlay;
  }

  function hideOverlay() {
    overlayGeneration++;
    overlay?.then((handle) => handle?.destroy());
    overlay = undefined;
  }

  const probe = () => send(paths.session(tenant)).then(readSession);
  const refreshSession = createRefresher({
    refresh: () => send(paths.refresh(tenant), {}).then(readSession),
    probe,
    lockName: `deskgate-refresh:${tenant}`,
    locks: environment ? environment.locks : navigator.locks,
  });

  async function login(): Promise<SessionInfo | null> {
    try {
      const found = (await probe()) ?? (await refreshSession());
      if (found) {
        setSession(found);
        return found;
      }
    } catch (error) {
      const info = toErrorInfo(error);
      emit('error', info);
      // 429: the API could not say whether the session still holds; keep a known one and try later.
      if (info.code === 'rate_limited' && session) return session;
    }
    setSession(null);
    await showOverlay();
    return null;
  }

  for (const [name, listener] of Object.entries(options.events ?? {})) {
    if (listener) on(name as DeskgateEventName, listener as DeskgateListener<DeskgateEventName>);
  }

  return {
    get session() {
      return session;
    },

    login() {
      loggingIn ??= login().finally(() => {
        loggingIn = undefined;
      });
      return loggingIn;
    },

    async fetch(input, init) {
      const request = new Request(typeof input === 'string' && input[0] === '/' ? apiUrl + input : input, {
        ...init,
        credentials: 'include',
      });
      request.headers.set(SDK_HEADER, '1');
      const response = await fetchFn(request.clone());
      if (response.status !== 401) return response;
      let next: SessionInfo | null;
      try {
        next = await refreshSession();
      } catch (error) {
        emit('error', toErrorInfo(error));
        return response;
      }
      setSession(next);
      if (next) return fetchFn(request);
      showOverlay();
      return response;
    },

    async signOut() {
      try {
        // 204: the session was ended; 200 {"revoked":false}: none was found. Both cleared the cookies.
        const response = await send(paths.logout(tenant), {});
        if (!response.ok) await readJson(response);
      } catch (error) {
        const { code, message } = toErrorInfo(error);
        emit('error', { code, message: `Logout failed, the session may still be active: ${message}` });
      }
      // Emitted even when no session was known: the caller asked to be signed out.
      session = null;
      emit('signed-out', undefined);
      await showOverlay();
    },

    on,

    destroy() {
      hideOverlay();
      destroyed = true;
      for (const name in listeners) delete listeners[name];
    },
  };
}
