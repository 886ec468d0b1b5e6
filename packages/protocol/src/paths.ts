// The API's paths, one export each: `import { paths }` gives the namespace, and a bundle keeps only the
// builders it calls (the SDK's loader has a byte budget; an object's members are never tree-shaken).
export const jwks = '/.well-known/jwks.json';
export const openapi = '/openapi.json';
export const health = '/healthz';
export const ready = '/readyz';
export const metrics = '/metrics';
export const tenant = (t: string) => `/t/${t}`;
export const session = (t: string) => `/t/${t}/auth/session`;
export const refresh = (t: string) => `/t/${t}/auth/refresh`;
/**
 * The SDK's probe: always 200 for a readable request, so a signed-out page load logs no failed request.
 * Under the refresh cookie's path, so that the API sees whether a refresh is worth trying.
 */
export const sessionStatus = (t: string) => `/t/${t}/auth/refresh/status`;
/** Under the refresh cookie's path, so that both session cookies reach it. */
export const logout = (t: string) => `/t/${t}/auth/refresh/logout`;
/** The earlier logout path, kept for SDK loaders still cached: only the access cookie reaches it. */
export const legacyLogout = (t: string) => `/t/${t}/auth/logout`;
export const attempts = (t: string) => `/t/${t}/auth/attempts`;
export const attemptRedeem = (t: string, id: string) => `/t/${t}/auth/attempts/${id}/redeem`;
export const attemptConfirm = (t: string, id: string) => `/t/${t}/auth/attempts/${id}/confirm`;
export const signIn = (t: string) => `/t/${t}/auth/signin`;
export const ssoStart = (t: string) => `/t/${t}/auth/sso/start`;
export const ssoCallback = (t: string) => `/t/${t}/auth/sso/callback`;
export const complete = (t: string) => `/t/${t}/auth/complete`;
/** Exchanges a platform-signed JWT (`signedUserInfo`) for the session cookies. */
export const sessionJwt = (t: string) => `/t/${t}/session/jwt`;
/** Exchanges a tenant API key and the agent's id (and name) for the session cookies. */
export const sessionApiKey = (t: string) => `/t/${t}/session/api-key`;
/** Deskpro-style remote login (F6): to the platform's login page, and back with `?jwt=`. */
export const remoteLogin = (t: string) => `/t/${t}/auth/remote-login`;
/**
 * Where the platform sends the browser back: the start puts a random `state` in the path (a path survives any
 * way a platform adds `jwt` to the URL), and only the browser holding that start's context cookie may use it.
 */
export const remoteLoginCallback = (t: string, state?: string) =>
  `/t/${t}/auth/remote-login/callback${state === undefined ? '' : `/${state}`}`;
/** Hosted sign-out page (first-party); under the refresh cookie's path, so both cookies reach it. */
export const signOut = (t: string) => `/t/${t}/auth/refresh/signout`;
/** Mints a single-use exchange token for an outbound link (F8): `{ redirect }` in, `ExchangeLink` out. */
export const exchangeToken = (t: string) => `/t/${t}/auth/exchange-token`;
/** The landing page of an outbound link: the token travels in the fragment, `#token=…`. */
export const exchange = (t: string) => `/t/${t}/auth/exchange`;
/** The agent's personal collection, a first-party page on the API site (the demo's outbound link). */
export const collection = (t: string) => `/t/${t}/collection`;
/** Asks for a magic link by email (the chooser's form): always 202, whatever the email. */
export const magicLink = (t: string) => `/t/${t}/auth/magic-link`;
/** Where an emailed magic link lands (the token in the fragment): a button that uses it. */
export const magicLinkOpen = (t: string) => `/t/${t}/auth/magic-link/open`;
/** First-party sign-in on the API site (no SDK): the chooser, then on to `?return=`, a path on this site. */
export const signInFirstParty = (t: string) => `/t/${t}/signin`;
/** The signed-in user's own page on the API site: who they are, their subject, roles and permissions (F10). */
export const aboutMe = (t: string) => `/t/${t}/me`;
/** Where an access-request email's confirm link lands (the token in the fragment): a button that confirms. */
export const accessRequestConfirm = (t: string) => `/t/${t}/auth/access-request/confirm`;
/** The approval page of one access request (first-party; managers and approvers only). */
export const accessRequest = (t: string, id: string) => `/t/${t}/access-requests/${id}`;
