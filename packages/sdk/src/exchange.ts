// The exchange chunk, loaded only when needed so that every other page's loader stays small: a session for
// a credential the page holds (a platform's signedUserInfo, or a tenant API key), and outbound links.
import { type ExchangeLink, paths, type SessionInfo } from '@deskgate/protocol';
import { DeskgateError, readJson, toErrorInfo } from './http.ts';
import type { ApiSend, ExchangeContext, UrlCredentials } from './types.ts';

/**
 * Signs the agent in with the page's credential: the platform's token (signedUserInfo) first, else the API
 * key (in the Authorization header, never in a URL) with the agent. The session, or null once `onError` has
 * the failure: the API's code and message, never the credential.
 */
export async function signIn(context: ExchangeContext): Promise<SessionInfo | null> {
  const { tenant, send, options, inUrl } = context;
  const { signedUserInfo, agent } = options;
  try {
    let request: Parameters<ApiSend>;
    if (signedUserInfo) {
      let token: unknown = signedUserInfo;
      try {
        if (typeof signedUserInfo === 'function') token = await signedUserInfo();
      } catch (error) {
        token = error;
      }
      if (typeof token !== 'string' || !token)
        throw new DeskgateError(
          'invalid_option',
          `signedUserInfo gave no token (${token}); nobody was signed in`,
        );
      request = [paths.sessionJwt(tenant), { token }];
    } else {
      // A value given (an option, or the script tag's attribute of fromUrl's name) wins over the URL's. The
      // API checks the agent (400 validation_failed); a missing value is left out of the JSON.
      const given = (name: keyof UrlCredentials, option?: string) =>
        option || (options as UrlCredentials)[name] || inUrl[name];
      const body = {
        agentId: given('agentId', agent?.id),
        agentName: given('agentName', agent?.name),
        email: given('agentEmail', agent?.email),
      };
      const authorization = `Bearer ${given('apiKey')}`;
      request = [paths.sessionApiKey(tenant), body, undefined, { authorization }];
    }
    const session = await send(...request).then(readJson<SessionInfo>);
    context.onSignedIn(session);
    return session;
  } catch (error) {
    context.onError(toErrorInfo(error));
    return null;
  }
}

/**
 * Points `win` (opened by the caller, still about:blank) at a single-use link to `target`: the window, or
 * null once it is closed and the failure reported. The request goes through the instance's fetch, so a 401
 * is refreshed (or signed in again) once and retried, and a request the browser refuses is reported there.
 */
export async function outbound(
  context: ExchangeContext,
  target: string,
  win: Window,
): Promise<Window | null> {
  let response: Response;
  try {
    response = await context.fetch(paths.exchangeToken(context.tenant), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect: target }),
    });
  } catch {
    // A request the browser refused: fetch() reported it.
    win.close();
    return null;
  }
  try {
    win.location.replace((await readJson<ExchangeLink>(response)).url);
    return win;
  } catch (error) {
    win.close();
    context.onError(toErrorInfo(error));
    return null;
  }
}
