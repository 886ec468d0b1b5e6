// The sign-in handoff (architecture.md): popup, attempt, then the message fast path and the polling fallback.
import {
  type CreateAttemptResponse,
  paths,
  type RedeemAttemptResponse,
  type SessionInfo,
} from '@deskgate/protocol';
import { DeskgateError, readJson, retryDelay, toErrorInfo } from '../http.ts';
import type { ApiSend, DeskgateErrorInfo, Locale } from '../types.ts';
import { acceptCompleteMessage, type MessageLike } from './message.ts';
import { challengeFor, createVerifier } from './pkce.ts';

export type SignInState =
  | { phase: 'idle' }
  | { phase: 'waiting' }
  | { phase: 'confirm'; code: string }
  | { phase: 'blocked' }
  | { phase: 'expired' }
  /** Too many wrong codes were typed in the sign-in window: the attempt is burnt. */
  | { phase: 'locked' }
  /** The API refused to start an attempt for now (rate_limited). */
  | { phase: 'limited' }
  | { phase: 'error' };

/** The API errors that end an attempt with a phase of their own (any other: 'error'); each can start afresh. */
const ENDED: Partial<Record<string, 'expired' | 'locked' | 'limited'>> = {
  attempt_expired: 'expired',
  attempt_locked: 'locked',
  rate_limited: 'limited',
};

/** The popup as the opener sees it (a WindowProxy; under COOP `closed` is true although it is open). */
export interface PopupLike {
  readonly closed: boolean;
  location: { href: string };
  focus(): void;
  close(): void;
}

/** The parts of `window` the flow uses. */
export interface WindowLike {
  open(url: string, target: string, features: string): PopupLike | null;
  addEventListener(
    type: 'message',
    listener: (event: MessageLike) => void,
    options: { signal: AbortSignal },
  ): void;
}

export interface SignInOptions {
  tenant: string;
  apiOrigin: string;
  /** Passed on so the popup's pages speak the agent's language. */
  locale?: Locale;
  send: ApiSend;
  win: WindowLike;
  /** window.open features, e.g. `popup,width=500,height=640`. */
  features: string;
  onState(state: SignInState): void;
  onSignedIn(session: SessionInfo): void;
  onError(error: DeskgateErrorInfo): void;
}

export interface SignIn {
  /** The overlay button: starts an attempt (must run inside the click) or reopens the sign-in window. */
  press(): void;
  dispose(): void;
}

export const POPUP_NAME = 'deskgate-signin';
/** Floor for the server's poll interval, so a bad value cannot turn polling into a request storm. */
export const MIN_POLL_INTERVAL_MS = 100;

export function createSignIn(options: SignInOptions): SignIn {
  const { tenant, send, win, features } = options;
  let state: SignInState = { phase: 'idle' };
  let attempt: AbortController | undefined;
  let popup: PopupLike | null = null;
  let signInUrl: string | undefined;

  const setState = (next: SignInState) => {
    state = next;
    options.onState(next);
  };

  function start() {
    attempt?.abort();
    const controller = new AbortController();
    attempt = controller;
    signInUrl = undefined;
    // Synchronously, still inside the click: popup blockers allow window.open only during a user gesture.
    popup = win.open('about:blank', POPUP_NAME, features);
    setState({ phase: popup ? 'waiting' : 'blocked' });
    run(controller.signal).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      if (!signInUrl) popup?.close();
      options.onError(toErrorInfo(error));
      setState({ phase: ENDED[(error as DeskgateError).code] ?? 'error' });
    });
  }

  /** Focuses the popup, or opens the sign-in page in a new one (this click is a user gesture). */
  function reopen() {
    if (popup && !popup.closed) return popup.focus();
    if (!signInUrl) return;
    const opened = win.open(signInUrl, POPUP_NAME, features);
    if (!opened) return;
    popup = opened;
    if (state.phase === 'blocked') setState({ phase: 'waiting' });
  }

  async function run(signal: AbortSignal) {
    const verifier = createVerifier();
    const created = await readJson<CreateAttemptResponse>(
      await send(
        paths.attempts(tenant),
        {
          challenge: await challengeFor(verifier),
          challengeMethod: 'S256',
          ...(options.locale && { locale: options.locale }),
        },
        signal,
      ),
    );
    const { attemptId } = created;
    signInUrl = created.signInUrl;
    try {
      if (popup) popup.location.href = signInUrl;
    } catch {
      // Closed or severed already: the overlay button opens signInUrl again.
    }

    const deadline = Date.parse(created.expiresAt);
    const interval = Math.max(MIN_POLL_INTERVAL_MS, created.pollIntervalMs || 0);
    let proof: string | undefined;
    let fresh = false;
    let wake = () => {};

    // Fast path: the completion page posts a proof to its verified opener; redeem at once.
    win.addEventListener(
      'message',
      (event) => {
        const received = acceptCompleteMessage(event, {
          origin: options.apiOrigin,
          source: popup,
          attemptId,
        });
        if (!received) return;
        proof = received;
        fresh = true;
        wake();
      },
      { signal },
    );

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        wake = done;
        signal.addEventListener('abort', done);
      });

    // Fallback, always running: poll with the verifier alone until the API releases the attempt.
    let delay = interval;
    for (;;) {
      if (!fresh) await pause(Math.min(delay, deadline - Date.now()));
      fresh = false;
      delay = interval;
      if (signal.aborted) return;
      if (Date.now() >= deadline) throw new DeskgateError('attempt_expired', 'Sign-in attempt expired');
      let result: RedeemAttemptResponse | undefined;
      try {
        result = await readJson<RedeemAttemptResponse>(
          await send(paths.attemptRedeem(tenant, attemptId), { verifier, proof }, signal),
        );
      } catch (error) {
        if (signal.aborted) return;
        const code = (error as DeskgateError).code;
        // A rejected proof falls back to the confirmation code; 429 waits for its Retry-After (at least an
        // interval, at most a minute, never past the deadline); any other API error ends the attempt.
        if (code === 'attempt_proof_invalid') proof = undefined;
        else if (code === 'rate_limited') delay = Math.max(interval, retryDelay(error, interval));
        else if (error instanceof DeskgateError) throw error;
        // Network errors: try again on the next tick.
      }
      if (signal.aborted) return;
      if (result?.status === 'signed_in') {
        popup?.close();
        return options.onSignedIn(result.session);
      }
      if (result?.status === 'confirmation_required')
        setState({ phase: 'confirm', code: result.confirmationCode });
    }
  }

  return {
    press() {
      if (state.phase === 'waiting' || state.phase === 'blocked' || state.phase === 'confirm') reopen();
      else start();
    },
    dispose() {
      attempt?.abort();
    },
  };
}
