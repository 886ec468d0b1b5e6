// Public types of @deskgate/sdk, and the contract between the loader and the lazily loaded overlay chunk.
import type { ErrorCode, SessionInfo } from '@deskgate/protocol';

export type { SessionInfo, SessionUser } from '@deskgate/protocol';

export type Locale = 'en-US' | 'nl-NL';

/** Protocol codes plus the failures only a browser sees, and a bad option (replaced by its default). */
export type DeskgateErrorCode = ErrorCode | 'network_error' | 'overlay_load_failed' | 'invalid_option';

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
  on<K extends DeskgateEventName>(event: K, listener: DeskgateListener<K>): () => void;
  /** Removes the overlay, listeners and timers; the instance is inert afterwards. */
  destroy(): void;
}

/** Sends a request to the API: GET without a body, JSON POST with the SDK header with one. */
export type ApiSend = (path: string, body?: unknown, signal?: AbortSignal) => Promise<Response>;

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
