import {
  type CreateAttemptResponse,
  MESSAGE_ATTEMPT_COMPLETE,
  PROTOCOL_VERSION,
  type RedeemAttemptRequest,
  type SessionInfo,
} from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { API, json, session } from '../test/fixtures.ts';
import type { ApiSend, DeskgateErrorInfo } from '../types.ts';
import type { MessageLike } from './message.ts';
import { challengeFor } from './pkce.ts';
import {
  createSignIn,
  MIN_POLL_INTERVAL_MS,
  type PopupLike,
  type SignInState,
  type WindowLike,
} from './signin.ts';

const SIGN_IN_URL = `${API}/t/demo/auth/signin?attempt=att1`;
const apiError = (status: number, code: string) => json(status, { error: { code, message: code } });
/** A 429 as the API sends it, with `Retry-After: {retryAfter}` unless that is undefined. */
const rateLimited = (retryAfter?: string) => {
  const response = apiError(429, 'rate_limited');
  if (retryAfter !== undefined) response.headers.set('retry-after', retryAfter);
  return response;
};

class FakePopup implements PopupLike {
  closed = false;
  focused = 0;
  location = { href: 'about:blank' };
  focus() {
    this.focused++;
  }
  close() {
    this.closed = true;
  }
}

class FakeWindow implements WindowLike {
  opened: { url: string; target: string; features: string }[] = [];
  popups: FakePopup[] = [];
  blocked = false;
  private target = new EventTarget();
  open(url: string, target: string, features: string) {
    this.opened.push({ url, target, features });
    if (this.blocked) return null;
    const popup = new FakePopup();
    this.popups.push(popup);
    return popup;
  }
  addEventListener(
    type: 'message',
    listener: (event: MessageLike) => void,
    options: { signal: AbortSignal },
  ) {
    this.target.addEventListener(
      type,
      (event) => listener((event as CustomEvent<MessageLike>).detail),
      options,
    );
  }
  post(message: MessageLike) {
    this.target.dispatchEvent(new CustomEvent('message', { detail: message }));
  }
}

interface FakeApiOptions {
  attempt?: Partial<CreateAttemptResponse>;
  createStatus?: number;
  /** The error code of a failing create. @default 'origin_not_allowed' */
  createCode?: string;
  /** Responses to successive redeems; the last one repeats. */
  redeem?: ((body: RedeemAttemptRequest) => Response)[];
}

function setup(options: FakeApiOptions & { locale?: 'en-US' | 'nl-NL' } = {}) {
  const win = new FakeWindow();
  const states: SignInState[] = [];
  const errors: DeskgateErrorInfo[] = [];
  const signedIn: SessionInfo[] = [];
  const creates: unknown[] = [];
  const redeems: RedeemAttemptRequest[] = [];
  const redeemQueue = [...(options.redeem ?? [() => json(200, { status: 'pending' })])];
  const send: ApiSend = async (path, body, signal) => {
    signal?.throwIfAborted();
    if (path === '/t/demo/auth/attempts') {
      creates.push(body);
      if (options.createStatus)
        return apiError(options.createStatus, options.createCode ?? 'origin_not_allowed');
      return json(201, {
        attemptId: 'att1',
        signInUrl: SIGN_IN_URL,
        confirmationCode: 'K7Q2',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        pollIntervalMs: MIN_POLL_INTERVAL_MS,
        ...options.attempt,
      });
    }
    if (path === '/t/demo/auth/attempts/att1/redeem') {
      redeems.push(body as RedeemAttemptRequest);
      const next = redeemQueue.length > 1 ? redeemQueue.shift() : redeemQueue[0];
      return next!(body as RedeemAttemptRequest);
    }
    return apiError(404, 'not_found');
  };
  const signIn = createSignIn({
    tenant: 'demo',
    apiOrigin: API,
    ...(options.locale && { locale: options.locale }),
    send,
    win,
    features: 'popup,width=500,height=640',
    onState: (state) => states.push(state),
    onSignedIn: (s) => signedIn.push(s),
    onError: (e) => errors.push(e),
  });
  const phase = () => states.at(-1)?.phase ?? 'idle';
  return { win, signIn, states, errors, signedIn, creates, redeems, phase };
}

// Real timers, captured before any test fakes them: the fake API and Web Crypto still settle in real time.
const realSetTimeout = globalThis.setTimeout;

async function until(condition: () => boolean, what: string, timeoutMs = 3000) {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => realSetTimeout(r, 5));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Fakes the clock and timers, so that a test can tell exactly when the poll loop's pause ends: the loop
 * waits on one timer at a time, which fires (and leaves the timer count) only when its delay has passed.
 */
function fakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  /** Waits (in real time) until the loop is paused again after `redeems` redeems. */
  return async (t: { redeems: unknown[] }, redeems: number) => {
    await until(() => t.redeems.length === redeems && vi.getTimerCount() === 1, `pause after ${redeems}`);
  };
}

const completion = (popup: unknown, extra: Partial<MessageLike> = {}, data: object = {}): MessageLike => ({
  origin: API,
  source: popup,
  data: { type: MESSAGE_ATTEMPT_COMPLETE, v: PROTOCOL_VERSION, attemptId: 'att1', proof: 'proof1', ...data },
  ...extra,
});

describe('createSignIn', () => {
  it('opens an about:blank popup synchronously inside press(), before any request', () => {
    const t = setup();
    t.signIn.press();
    expect(t.win.opened).toStrictEqual([
      { url: 'about:blank', target: 'deskgate-signin', features: 'popup,width=500,height=640' },
    ]);
    expect(t.creates.length).toBe(0);
    expect(t.phase()).toBe('waiting');
    t.signIn.dispose();
  });

  it('creates an attempt with the S256 challenge of an in-memory verifier, then points the popup at signInUrl', async () => {
    const t = setup({ redeem: [() => json(200, { status: 'signed_in', session })] });
    t.signIn.press();
    await until(() => t.redeems.length > 0, 'first redeem');
    const { verifier } = t.redeems[0]!;
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.creates).toStrictEqual([{ challenge: await challengeFor(verifier), challengeMethod: 'S256' }]);
    expect(t.win.popups[0]!.location.href).toBe(SIGN_IN_URL);
    t.signIn.dispose();
  });

  it('passes its locale with the attempt so the popup speaks the same language', async () => {
    const t = setup({ locale: 'nl-NL', redeem: [() => json(200, { status: 'signed_in', session })] });
    t.signIn.press();
    await until(() => t.creates.length > 0, 'attempt created');
    expect((t.creates[0] as { locale?: string }).locale).toBe('nl-NL');
    t.signIn.dispose();
  });

  it('redeems at once with the proof of a verified completion message, signs in and closes the popup', async () => {
    const t = setup({
      attempt: { pollIntervalMs: 60_000 },
      redeem: [
        (body) =>
          body.proof === 'proof1' ? json(200, { status: 'signed_in', session }) : apiError(500, 'x'),
      ],
    });
    t.signIn.press();
    await until(() => t.win.popups[0]!.location.href === SIGN_IN_URL, 'navigation');
    await new Promise((r) => setTimeout(r, 10));
    t.win.post(completion(t.win.popups[0]));
    await until(() => t.signedIn.length === 1, 'sign-in');
    expect(t.redeems.length).toBe(1);
    expect(t.redeems[0]!.proof).toBe('proof1');
    expect(t.signedIn).toStrictEqual([session]);
    expect(t.win.popups[0]!.closed).toBe(true);
    expect(t.errors).toStrictEqual([]);
  });

  it('ignores completion messages from another origin, another window or another attempt', async () => {
    const t = setup({ attempt: { pollIntervalMs: 60_000 } });
    t.signIn.press();
    await until(() => t.win.popups[0]!.location.href === SIGN_IN_URL, 'navigation');
    await new Promise((r) => setTimeout(r, 10));
    const popup = t.win.popups[0];
    t.win.post(completion(popup, { origin: 'https://evil.test' }));
    t.win.post(completion({}, {}));
    t.win.post(completion(popup, {}, { attemptId: 'att2' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(t.redeems.length, 'no redeem was triggered').toBe(0);
    t.signIn.dispose();
  });

  it('polls with the verifier alone, shows the code to type, and signs in once the code was typed', async () => {
    const t = setup({
      redeem: [
        () => json(200, { status: 'pending' }),
        () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q2' }),
        () => json(200, { status: 'signed_in', session }),
      ],
    });
    t.signIn.press();
    await until(() => t.signedIn.length === 1, 'sign-in');
    expect(t.redeems.length).toBe(3);
    expect(t.redeems.every((r) => r.proof === undefined)).toBeTruthy();
    expect(t.states.map((s) => s.phase)).toStrictEqual(['waiting', 'confirm']);
    expect(t.states[1]).toStrictEqual({ phase: 'confirm', code: 'K7Q2' });
  });

  it('does not treat popup.closed as cancellation (COOP makes it read true while open)', async () => {
    const t = setup({
      redeem: [
        () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q2' }),
        () => json(200, { status: 'signed_in', session }),
      ],
    });
    t.signIn.press();
    t.win.popups[0]!.closed = true;
    await until(() => t.signedIn.length === 1, 'sign-in');
    expect(t.errors).toStrictEqual([]);
  });

  it('when the popup is blocked, shows the blocked state, keeps polling, and opens signInUrl on the next press', async () => {
    const t = setup({ redeem: [() => json(200, { status: 'pending' })] });
    t.win.blocked = true;
    t.signIn.press();
    expect(t.phase()).toBe('blocked');
    await until(() => t.redeems.length >= 2, 'two polls');
    expect(t.phase()).toBe('blocked');
    t.win.blocked = false;
    t.signIn.press();
    expect(t.win.opened.at(-1)).toStrictEqual({
      url: SIGN_IN_URL,
      target: 'deskgate-signin',
      features: 'popup,width=500,height=640',
    });
    expect(t.phase()).toBe('waiting');
    expect(t.creates.length, 'the same attempt goes on').toBe(1);
    t.signIn.dispose();
  });

  it('accepts the completion message from a popup reopened after a block', async () => {
    const t = setup({
      attempt: { pollIntervalMs: 60_000 },
      redeem: [(body) => json(200, body.proof ? { status: 'signed_in', session } : { status: 'pending' })],
    });
    t.win.blocked = true;
    t.signIn.press();
    await until(() => t.creates.length === 1, 'attempt');
    await new Promise((r) => setTimeout(r, 10));
    t.win.blocked = false;
    t.signIn.press();
    t.win.post(completion(t.win.popups[0]));
    await until(() => t.signedIn.length === 1, 'sign-in');
  });

  it('focuses an open popup instead of opening another when pressed while waiting', async () => {
    const t = setup();
    t.signIn.press();
    t.signIn.press();
    expect(t.win.opened.length).toBe(1);
    expect(t.win.popups[0]!.focused).toBe(1);
    t.signIn.dispose();
  });

  it('shows the expired state on attempt_expired, and press() then starts a fresh attempt', async () => {
    const t = setup({ redeem: [() => apiError(410, 'attempt_expired')] });
    t.signIn.press();
    await until(() => t.phase() === 'expired', 'expired');
    expect(t.errors.map((e) => e.code)).toStrictEqual(['attempt_expired']);
    t.signIn.press();
    expect(t.win.opened.length).toBe(2);
    expect(t.phase()).toBe('waiting');
    await until(() => t.creates.length === 2, 'second attempt');
    t.signIn.dispose();
  });

  it('shows the locked state on attempt_locked (too many wrong codes), and press() starts a fresh attempt', async () => {
    const t = setup({
      redeem: [
        () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q-X2M' }),
        () => apiError(410, 'attempt_locked'),
      ],
    });
    t.signIn.press();
    await until(() => t.phase() === 'locked', 'locked');
    expect(t.states.map((s) => s.phase)).toStrictEqual(['waiting', 'confirm', 'locked']);
    expect(t.errors.map((e) => e.code)).toStrictEqual(['attempt_locked']);
    const polls = t.redeems.length;
    await new Promise((r) => setTimeout(r, 3 * MIN_POLL_INTERVAL_MS));
    expect(t.redeems.length, 'no polling after the attempt was burnt').toBe(polls);
    t.signIn.press();
    expect(t.win.opened.length).toBe(2);
    expect(t.phase()).toBe('waiting');
    await until(() => t.creates.length === 2, 'second attempt');
    t.signIn.dispose();
  });

  it('shows the limited state when creating the attempt is rate limited, and press() tries again', async () => {
    const t = setup({ createStatus: 429, createCode: 'rate_limited' });
    t.signIn.press();
    await until(() => t.phase() === 'limited', 'limited');
    expect(t.errors.map((e) => e.code)).toStrictEqual(['rate_limited']);
    expect(t.win.popups[0]!.closed).toBe(true);
    t.signIn.press();
    expect(t.phase()).toBe('waiting');
    await until(() => t.creates.length === 2, 'second attempt');
  });

  it('on a 429 while polling, waits for its Retry-After and polls again, keeping the attempt and its state', async () => {
    const paused = fakeClock();
    const t = setup({
      redeem: [
        () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q-X2M' }),
        () => rateLimited('5'),
        () => json(200, { status: 'signed_in', session }),
      ],
    });
    t.signIn.press();
    await paused(t, 0);
    vi.advanceTimersByTime(MIN_POLL_INTERVAL_MS);
    await paused(t, 1);
    vi.advanceTimersByTime(MIN_POLL_INTERVAL_MS);
    await paused(t, 2);
    vi.advanceTimersByTime(4_999);
    expect(vi.getTimerCount(), 'still waiting out Retry-After: 5').toBe(1);
    vi.advanceTimersByTime(1);
    expect(vi.getTimerCount()).toBe(0);
    await until(() => t.signedIn.length === 1, 'sign-in');
    expect(t.redeems.length).toBe(3);
    expect(t.errors, 'a 429 is not reported: the attempt goes on').toStrictEqual([]);
    expect(t.states.map((s) => s.phase)).toStrictEqual(['waiting', 'confirm']);
  });

  it('waits at least the poll interval after a 429 without a usable Retry-After', async () => {
    for (const retryAfter of [undefined, '0', 'Wed, 21 Oct 2026 07:28:00 GMT', 'soon']) {
      const paused = fakeClock();
      const t = setup({ attempt: { pollIntervalMs: 2_000 }, redeem: [() => rateLimited(retryAfter)] });
      t.signIn.press();
      await paused(t, 0);
      vi.advanceTimersByTime(2_000);
      await paused(t, 1);
      vi.advanceTimersByTime(1_999);
      expect(vi.getTimerCount(), `Retry-After: ${retryAfter}`).toBe(1);
      vi.advanceTimersByTime(1);
      await paused(t, 2);
      expect(t.phase()).toBe('waiting');
      expect(t.errors).toStrictEqual([]);
      t.signIn.dispose();
      vi.useRealTimers();
    }
  });

  it('caps a long Retry-After at a minute', async () => {
    const paused = fakeClock();
    const t = setup({
      attempt: { expiresAt: new Date(Date.now() + 600_000).toISOString() },
      redeem: [() => rateLimited('3600')],
    });
    t.signIn.press();
    await paused(t, 0);
    vi.advanceTimersByTime(MIN_POLL_INTERVAL_MS);
    await paused(t, 1);
    vi.advanceTimersByTime(59_999);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1);
    await paused(t, 2);
    t.signIn.dispose();
  });

  it('never waits out a Retry-After past the attempt deadline: it expires then, without another poll', async () => {
    const paused = fakeClock();
    const t = setup({
      attempt: { expiresAt: new Date(Date.now() + 30_000).toISOString() },
      redeem: [() => rateLimited('50')],
    });
    t.signIn.press();
    await paused(t, 0);
    vi.advanceTimersByTime(MIN_POLL_INTERVAL_MS);
    await paused(t, 1);
    vi.advanceTimersByTime(30_000 - MIN_POLL_INTERVAL_MS);
    await until(() => t.phase() === 'expired', 'expired at the deadline');
    expect(t.redeems.length).toBe(1);
    expect(t.errors.map((e) => e.code)).toStrictEqual(['attempt_expired']);
  });

  it('stops polling at expiresAt even if the API keeps answering pending', async () => {
    const t = setup({ attempt: { expiresAt: new Date(Date.now() + 250).toISOString() } });
    t.signIn.press();
    await until(() => t.phase() === 'expired', 'expired');
    const polls = t.redeems.length;
    expect(polls >= 1 && polls <= 3, `polled ${polls} times`).toBeTruthy();
    await new Promise((r) => setTimeout(r, 2 * MIN_POLL_INTERVAL_MS));
    expect(t.redeems.length, 'no polling after expiry').toBe(polls);
  });

  it('shows the error state and closes the blank popup when the attempt cannot be created', async () => {
    const t = setup({ createStatus: 403 });
    t.signIn.press();
    await until(() => t.phase() === 'error', 'error');
    expect(t.win.popups[0]!.closed).toBe(true);
    expect(t.errors.map((e) => e.code)).toStrictEqual(['origin_not_allowed']);
  });

  it('ends the attempt with the error state on a verifier mismatch', async () => {
    const t = setup({ redeem: [() => apiError(403, 'attempt_verifier_mismatch')] });
    t.signIn.press();
    await until(() => t.phase() === 'error', 'error');
    expect(t.errors[0]?.code).toBe('attempt_verifier_mismatch');
  });

  it('falls back to polling without the proof when the API rejects it', async () => {
    const t = setup({
      attempt: { pollIntervalMs: MIN_POLL_INTERVAL_MS },
      redeem: [
        (body) => (body.proof ? apiError(403, 'attempt_proof_invalid') : json(200, { status: 'pending' })),
      ],
    });
    t.signIn.press();
    await until(() => t.win.popups[0]!.location.href === SIGN_IN_URL, 'navigation');
    await new Promise((r) => setTimeout(r, 10));
    t.win.post(completion(t.win.popups[0]));
    await until(
      () => t.redeems.some((r) => r.proof) && t.redeems.at(-1)!.proof === undefined,
      'poll without proof',
    );
    expect(t.phase()).toBe('waiting');
    t.signIn.dispose();
  });

  it('keeps polling through network errors', async () => {
    let calls = 0;
    const t = setup({
      redeem: [
        () => {
          calls++;
          if (calls < 3) throw new TypeError('Failed to fetch');
          return json(200, { status: 'signed_in', session });
        },
      ],
    });
    t.signIn.press();
    await until(() => t.signedIn.length === 1, 'sign-in');
    expect(t.errors).toStrictEqual([]);
  });

  it('stops polling and listening after dispose()', async () => {
    const t = setup();
    t.signIn.press();
    await until(() => t.redeems.length >= 1, 'first poll');
    t.signIn.dispose();
    const polls = t.redeems.length;
    t.win.post(completion(t.win.popups[0]));
    await new Promise((r) => setTimeout(r, 3 * MIN_POLL_INTERVAL_MS));
    expect(t.redeems.length).toBe(polls);
    expect(t.signedIn).toStrictEqual([]);
  });
});
