import { ERROR_CODES } from '@deskgate/protocol';
import type { Answer, FuzzRequest } from './requests.ts';

// --- Oracles --------------------------------------------------------------------------------------------

export const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * Why an error answer's body is not one of the app's error shapes, or undefined when it is: JSON
 * `{error:{code,message}}` with a protocol code, an HTML page naming its code in `data-error-code`, or (under
 * /scim/v2) SCIM's error body.
 */
export function errorBodyProblem(req: FuzzRequest, answer: Answer): string | undefined {
  if (req.method === 'HEAD' || answer.status < 400) return undefined;
  if (answer.contentType.startsWith('text/html')) {
    const code = /data-error-code="([a-z_]+)"/.exec(answer.text)?.[1];
    return code && KNOWN_CODES.has(code) ? undefined : `HTML error page without a known data-error-code`;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `error body is neither JSON nor HTML (${answer.contentType}): ${answer.text.slice(0, 100)}`;
  }
  const scim = body as { schemas?: unknown; status?: unknown; detail?: unknown };
  if (answer.contentType.startsWith('application/scim+json')) {
    return Array.isArray(scim.schemas) &&
      scim.schemas.includes('urn:ietf:params:scim:api:messages:2.0:Error') &&
      scim.status === String(answer.status) &&
      typeof scim.detail === 'string'
      ? undefined
      : `SCIM error body is malformed: ${answer.text.slice(0, 200)}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || !KNOWN_CODES.has(error.code) || typeof error.message !== 'string')
    return `JSON error body without a known code: ${answer.text.slice(0, 200)}`;
  return undefined;
}

/** Lines the app logged at level error (50) or above: an unhandled error even when the answer hid it. */
export function errorLogs(lines: string[]): string[] {
  return lines.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      return true;
    }
  });
}

/** A one-line description of a request, for failure messages. */
export function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : 'text' in req.body
        ? ` body=${JSON.stringify(req.body.text.slice(0, 200))}`
        : ` bytes=${req.body.bytes.length}`;
  return `${req.method} ${req.path.slice(0, 300)} [route ${req.route}] headers=${JSON.stringify(req.headers).slice(0, 400)} cookies=${JSON.stringify(req.cookies).slice(0, 300)}${body}`;
}
