// Public types of @deskgate/sdk, and the contract between the loader and the lazily loaded overlay chunk.
import type { ErrorCode, SessionInfo } from '@deskgate/protocol';

export type { SessionInfo, SessionUser } from '@deskgate/protocol';

export type Locale = 'en-US' | 'nl-NL';

/**
 * Protocol codes plus the failures only a browser sees, a bad option (replaced by its default), and a window
 * the browser would not open (openOutbound()).
 */
export type DeskgateErrorCode =
  | ErrorCode
  | 'network_error'
  | 'overlay_load_failed'
  | 'invalid_option'
  | 'popup_blocked';

export interface DeskgateErrorInfo {
  code: DeskgateErrorCode;
  message: string;
}

export interface DeskgateEventMap {
  /** A session is available (after login(), a refresh that found one, or a completed sign-in). */
  ready: SessionInfo;
  /** The session ended (signOut(), or a refresh that failed); the overlay is shown again. */
  'signed-out': undefined;
  error: DeskgateErrorInfo;
}

export type DeskgateEventName = keyof DeskgateEventMap;

export type DeskgateListener<K extends DeskgateEventName> = (detail: DeskgateEventMap[K]) => void;

export interface DeskgateOptions {
  /** Tenant code, `^[a-z0-9]{3,}$`. */
  tenant: string;
  /** Absolute http(s) URL of the deskgate API, e.g. `https://auth.example.com`. */
  apiUrl: string;
  /**
   * Element (or CSS selector) the sign-in overlay is placed just above.
   * @default none: the overlay is fixed at the bottom right of the viewport
   */
  anchor?: Element | string | null;
  /** @default 'en-US' (any `nl*` locale selects 'nl-NL') */
  locale?: Locale | (string & {});
  /** Shown in the overlay: "Sign in to {productName}". @default 'Deepdesk' */
  productName?: string;
  events?: { [K in DeskgateEventName]?: DeskgateListener<K> };
  /**
   * A platform-signed JWT that vouches for the agent (Messenger's `signedUserInfo`), or a function returning
   * one (sync or async). Given it, the SDK exchanges it for a session before anything else and never shows
   * the sign-in overlay; the function is called again whenever a new session is needed. See
   * docs/platform-jwt.md. @default none: the overlay offers sign-in
   */
  signedUserInfo?: string | (() => string | Promise<string>);
  /**
   * A tenant API key (`dgk_…`), for platforms with neither SSO nor platform JWTs (LiveEngage, Genesys WDE).
   * Given it (and no signedUserInfo), the SDK signs `agent` in with it before anything else, and again
   * whenever a new session is needed; it never shows the overlay. Whoever reads the key can sign in as any
   * agent: see docs/api-key.md. @default none
   */
  apiKey?: string;
  /** The agent at the desk, for `apiKey`: the platform's agent id, the name, and optionally the email. */
  agent?: DeskgateAgent;
  /**
   * Takes `apiKey`, `agentId`, `agentName` and `agentEmail` from the page's query string (the widget URL of
   * LiveEngage or Genesys WDE) and removes them from the address bar at creation. A value given as an option
   * (`apiKey`, `agent.id`, `agent.name`, `agent.email`) wins over the URL's. @default false
   */
  fromUrl?: boolean;
}

export interface DeskgateAgent {
  id: string;
  name: string;
  email?: string;
}

export interface OutboundOptions {
  /** The third argument of `window.open()`, e.g. `'popup,width=900,height=700'`; never `noopener`. */
  features?: string;
}

export interface Deskgate {
  /** The current session, or null while signed out. */
  readonly session: SessionInfo | null;
  /**
   * Resolves with the session if the agent is signed in (directly or after a silent refresh);
   * otherwise shows the sign-in overlay and resolves with null once it is on screen.
   */
  login(): Promise<SessionInfo | null>;
  /**
   * `fetch` with the deskgate cookies: credentials included, the SDK header set, one refresh and one retry
   * on 401. A string path starting with `/` is resolved against apiUrl.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Ends the session on the server, emits `signed-out` and shows the overlay. */
  signOut(): Promise<void>;
  /**
   * Opens `target` (a path on the API site such as `/t/acme/collection`, or a URL the tenant allows) in a new
   * window, signed in as the current agent through a single-use exchange token. Call it in a click handler:
   * the window is opened at once, then pointed at the link. Resolves with the window, or null when the
   * browser blocked it (`popup_blocked`) or the link could not be made (the window is closed); never rejects,
   * failures are `error` events.
   */
  openOutbound(target: string, options?: OutboundOptions): Promise<Window | null>;
  on<K extends DeskgateEventName>(event: K, listener: DeskgateListener<K>): () => void;
  /** Removes the overlay, listeners and timers; the instance is inert afterwards. */
  destroy(): void;
}

/** Sends a request to the API: GET without a body, JSON POST with the SDK header (and `headers`) with one. */
export type ApiSend = (
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  headers?: Record<string, string>,
) => Promise<Response>;

/** What the loader hands to the overlay chunk. */
export interface OverlayContext {
  tenant: string;
  apiUrl: string;
  /** The only origin whose completion messages are accepted. */
  apiOrigin: string;
  locale: Locale;
  productName: string;
  anchor: Element | string | null;
  send: ApiSend;
  onSignedIn(session: SessionInfo): void;
  onError(error: DeskgateErrorInfo): void;
  /**
   * The error login() met before showing the overlay, if any: the overlay says on the console what to check,
   * and for a page that is not set up for the tenant offers no sign-in.
   */
  problem?: DeskgateErrorInfo | undefined;
}

export interface OverlayHandle {
  destroy(): void;
}

/** The overlay chunk's exports. */
export interface OverlayModule {
  mountOverlay(context: OverlayContext): OverlayHandle;
}

/** What the loader hands to the exchange chunk: the overlay's context and more. */
export interface ExchangeContext extends OverlayContext {
  /** The instance's fetch (one refresh, or a new sign-in, and one retry on 401). */
  fetch: Deskgate['fetch'];
  options: DeskgateOptions;
  /** What `fromUrl` took from the query string; the options win over it. */
  inUrl: UrlCredentials;
}

/** The exchange chunk's exports (exchange.ts). */
export interface ExchangeModule {
  signIn(context: ExchangeContext): Promise<SessionInfo | null>;
  outbound(context: ExchangeContext, target: string, win: Window): Promise<Window | null>;
}

/** What `fromUrl` takes from the query string; the script tag's data-* attributes have the same names. */
export interface UrlCredentials {
  apiKey?: string | undefined;
  agentId?: string | undefined;
  agentName?: string | undefined;
  agentEmail?: string | undefined;
}
