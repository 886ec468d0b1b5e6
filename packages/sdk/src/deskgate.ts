// The Deskgate instance: session probe, silent refresh, credentialed fetch, events, the tabs of one tenant told
// of each other's sign-in and sign-out; the overlay on demand.
import { paths, SDK_HEADER, type SessionInfo, type SessionStatus } from '@deskgate/protocol';
import { createSend, DeskgateError, isAbort, readJson, readSession, toErrorInfo } from './http.ts';
import { resolveOptions, takeFromUrl } from './options.ts';
import { createRefresher, type LockManagerLike } from './refresh.ts';
import type {
  Deskgate,
  DeskgateErrorInfo,
  DeskgateEventMap,
  DeskgateEventName,
  DeskgateListener,
  DeskgateOptions,
  ExchangeContext,
  ExchangeModule,
  OverlayHandle,
  OverlayModule,
  UrlCredentials,
} from './types.ts';

/** What the instance takes from the browser; tests pass fakes. */
export interface Environment {
  fetch: typeof fetch;
  /** Receives the `deskgate:*` CustomEvents. @default window */
  events: EventTarget;
  /** @default navigator.locks */
  locks: LockManagerLike | undefined;
  /** Tells the other tabs of this tenant about sign-in and sign-out. @default window.BroadcastChannel */
  channels: typeof BroadcastChannel | undefined;
}

/** All a tab tells the others: nothing secret, only that it signed in or out. */
export type CrossTabMessage = 'signed-in' | 'signed-out';

/** The channel of one tenant on one API, shared by the tabs (and instances) of one CX origin. */
export const channelName = (apiUrl: string, tenant: string) => `deskgate:${tenant}@${apiUrl}`;

export function createInstance(
  options: DeskgateOptions,
  loadOverlay: () => Promise<OverlayModule>,
  environment?: Partial<Environment>,
  /** Sentences about bad options that were left out; each is reported as `invalid_option`. */
  problems: string[] = [],
  /** The exchange chunk: needed for signedUserInfo, apiKey and openOutbound(). */
  loadExchange?: () => Promise<ExchangeModule>,
): Deskgate {
  const resolved = resolveOptions(options);
  const { tenant, apiUrl } = resolved;
  // Before any request: the API key leaves the address bar at once.
  const inUrl: UrlCredentials = options.fromUrl ? takeFromUrl() : {};
  const fetchFn = environment?.fetch ?? ((input, init) => fetch(input, init));
  const target = environment?.events ?? window;
  const send = createSend(apiUrl, fetchFn);
  const listeners: Record<string, Set<(detail: unknown) => void>> = {};
  let session: SessionInfo | null = null;
  let destroyed = false;
  let overlay: Promise<OverlayHandle | undefined> | undefined;
  /** The error login() met before the overlay on screen was shown, if any. */
  let overlayProblem: DeskgateErrorInfo | undefined;
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

  const Channel = environment ? environment.channels : window.BroadcastChannel;
  let channel: BroadcastChannel | undefined;
  try {
    channel = Channel && new Channel(channelName(apiUrl, tenant));
  } catch {
    // Without a channel (none in this browser, or refused here) each tab learns of a change on its next request.
  }
  /** Only for what happened in this tab: what another tab said is never passed on (no echo, no loop). */
  const tell = (message: CrossTabMessage) => destroyed || channel?.postMessage(message);

  /**
   * `ready` when a session appears, `signed-out` when one disappears; a session hides the overlay. A change
   * that started in this tab is told to the other tabs; one heard from another tab (`heard`) is not.
   */
  function setSession(next: SessionInfo | null, heard?: boolean) {
    const previous = session;
    session = next;
    if (next) {
      hideOverlay();
      if (!previous) {
        emit('ready', next);
        if (!heard) tell('signed-in');
      }
    } else if (previous) {
      emit('signed-out', undefined);
      if (!heard) tell('signed-out');
    }
  }

  const context: ExchangeContext = {
    ...resolved,
    send,
    onSignedIn: (next) => setSession(next),
    onError: (error) => emit('error', error),
    fetch: credentialedFetch,
    options,
    inUrl,
  };

  /**
   * Never rejects: a chunk that cannot be loaded, or an overlay that cannot start, is an `error` event.
   * With the `problem` login() met, the overlay says on the console what to check (see overlay/advice.ts).
   */
  function showOverlay(problem?: DeskgateErrorInfo): Promise<unknown> {
    // A page that vouches for its agents (signedUserInfo, apiKey) never has them sign in themselves.
    if (destroyed || session || vouched) return Promise.resolve();
    if (overlay && problem?.code !== overlayProblem?.code) hideOverlay();
    overlayProblem = problem;
    if (!overlay) {
      const generation = ++overlayGeneration;
      overlay = loadOverlay()
        .then((module) =>
          generation === overlayGeneration && !destroyed && !session
            ? module.mountOverlay({ ...context, problem })
            : undefined,
        )
        .catch((error: unknown) => {
          if (generation === overlayGeneration) overlay = undefined;
          emit('error', { code: 'overlay_load_failed', message: String(error) });
          return undefined;
        });
    }
    return overlay;
  }

  function hideOverlay() {
    overlayGeneration++;
    overlay?.then((handle) => handle?.destroy());
    overlay = undefined;
  }

  /**
   * A request of deskgate.fetch(): a browser's refusal (network, CSP, no CORS for this page: a TypeError) is
   * also an `error` event naming the URL without its query (which may hold what the page keeps to itself).
   */
  const call = (request: Request) =>
    fetchFn(request).catch((error: unknown) => {
      if (!isAbort(error))
        emit('error', {
          code: 'network_error',
          message: `${request.method} ${request.url.replace(/[?#].*/, '')} failed: ${toErrorInfo(error).message}`,
        });
      throw error;
    });

  /** Always a 200 from the API when it can be read, signed in or not: a signed-out load logs no failure. */
  const probe = () => send(paths.sessionStatus(tenant)).then((response) => readJson<SessionStatus>(response));
  const refreshSession = createRefresher({
    refresh: () => send(paths.refresh(tenant), {}).then(readSession),
    probe,
    lockName: `deskgate-refresh:${tenant}`,
    locks: environment ? environment.locks : navigator.locks,
  });

  // The page vouches for the agent with a platform token or an API key: the exchange chunk signs them in.
  const vouched = options.signedUserInfo || options.apiKey || inUrl.apiKey;

  /**
   * Calls the exchange chunk, which reports its own failures; one that cannot be loaded is an `error` event
   * (and closes `win`). Never rejects.
   */
  async function viaExchange<T>(
    call: (chunk: ExchangeModule) => Promise<T | null>,
    win?: Window,
  ): Promise<T | null> {
    try {
      return await call(await loadExchange!());
    } catch (error) {
      win?.close();
      emit('error', toErrorInfo(error));
      return null;
    }
  }

  /** Signs in with the page's credential: the session, or null (failures are `error` events). */
  const exchange = () => viaExchange((chunk) => chunk.signIn(context));

  async function login(): Promise<SessionInfo | null> {
    // The page vouches for the agent: its credential first, and never an overlay.
    if (vouched) return exchange();
    let problem: DeskgateErrorInfo | undefined;
    try {
      const status = await probe();
      if (status.signedUserInfoRequired && !status.session)
        throw new DeskgateError(
          'signed_user_info_required',
          `Tenant "${tenant}" takes only platform-signed tokens (signedUserInfo), and this page gives none`,
        );
      const found = status.session ?? (status.refreshable ? await refreshSession() : null);
      if (found) {
        setSession(found);
        return found;
      }
    } catch (error) {
      // The overlay says what to check, on the console (and, for a page not set up, instead of a button).
      problem = toErrorInfo(error);
      emit('error', problem);
      // 429, or 503 while the API's database is down: the API could not say whether the session still holds;
      // keep a known one and try later.
      if ((problem.code === 'rate_limited' || problem.code === 'store_unavailable') && session)
        return session;
    }
    setSession(null);
    await showOverlay(problem);
    return null;
  }

  if (channel) {
    channel.onmessage = ({ data }) => {
      if (destroyed) return;
      // Signed in elsewhere: the cookies are shared, so ask the API (GET session) rather than trust the tab.
      if (data === 'signed-in' && !session)
        probe().then(
          ({ session: found }) => found && setSession(found, true),
          (error: unknown) => emit('error', toErrorInfo(error)),
        );
      // Signed out elsewhere: the cookies are gone for this tab too.
      if (data === 'signed-out' && session) {
        setSession(null, true);
        showOverlay();
      }
    };
  }

  for (const [name, listener] of Object.entries(options.events ?? {})) {
    if (typeof listener === 'function')
      on(name as DeskgateEventName, listener as DeskgateListener<DeskgateEventName>);
  }

  // Bad options were left out; say so now, and as `error` events once the caller has had a chance to listen
  // (`on()` right after creation).
  for (const message of problems) console.error(`deskgate: ${message}`);
  if (problems.length)
    Promise.resolve().then(() => {
      for (const message of problems) emit('error', { code: 'invalid_option', message });
    });

  async function credentialedFetch(input: RequestInfo | URL, init?: RequestInit) {
    const request = new Request(typeof input === 'string' && input[0] === '/' ? apiUrl + input : input, {
      ...init,
      credentials: 'include',
    });
    request.headers.set(SDK_HEADER, '1');
    const response = await call(request.clone());
    if (response.status !== 401) return response;
    let next: SessionInfo | null;
    try {
      next = await refreshSession();
    } catch (error) {
      emit('error', toErrorInfo(error));
      return response;
    }
    if (!next && vouched) next = await exchange();
    setSession(next);
    if (next) return call(request);
    showOverlay();
    return response;
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

    fetch: credentialedFetch,

    async openOutbound(target, how) {
      // Opened before any await, in the click's user activation. `noopener` in the features would make
      // open() return null: the opener is cut here instead, while the window is still about:blank.
      const win = open('', '_blank', how?.features);
      if (!win) {
        emit('error', { code: 'popup_blocked', message: 'Popup blocked' });
        return null;
      }
      win.opener = null;
      return viaExchange((chunk) => chunk.outbound(context, target, win), win);
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
      // Emitted even when no session was known: the caller asked to be signed out (and so are the other tabs).
      session = null;
      emit('signed-out', undefined);
      tell('signed-out');
      await showOverlay();
    },

    on,

    destroy() {
      hideOverlay();
      destroyed = true;
      channel?.close();
      for (const name in listeners) delete listeners[name];
    },
  };
}
