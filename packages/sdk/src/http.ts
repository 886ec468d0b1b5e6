// Talking to the API: credentialed requests (I/O) and the functions that read their responses (no I/O).
import { type ErrorBody, SDK_HEADER, type SessionInfo } from '@deskgate/protocol';
import type { ApiSend, DeskgateErrorCode, DeskgateErrorInfo } from './types.ts';

/** Longest wait the SDK accepts from a `Retry-After`, so a bad value cannot stall it for hours. */
export const MAX_RETRY_AFTER_MS = 60_000;

export class DeskgateError extends Error {
  declare code: DeskgateErrorCode;
  /** From the `Retry-After` of the response (delta-seconds only), for `rate_limited`. */
  declare retryAfterMs: number | undefined;
  constructor(code: DeskgateErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * How long to wait after a `rate_limited` error: its `Retry-After`, else `fallbackMs`, at most a minute.
 * Cross-origin pages can read `Retry-After` only if the API lists it in `Access-Control-Expose-Headers`.
 */
export function retryDelay(error: unknown, fallbackMs: number): number {
  return Math.min((error as DeskgateError).retryAfterMs ?? fallbackMs, MAX_RETRY_AFTER_MS);
}

/** Every request carries the cookies; every POST is JSON with the SDK header (forces a CORS preflight). */
export function createSend(
  apiUrl: string,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): ApiSend {
  return (path, body, signal, headers) =>
    fetchFn(
      apiUrl + path,
      body === undefined
        ? { credentials: 'include', signal }
        : {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json', [SDK_HEADER]: '1', ...headers },
            body: JSON.stringify(body),
            signal,
          },
    );
}

/** The JSON body of a 2xx response; otherwise throws a DeskgateError with the API's error code. */
export async function readJson<T>(response: Response): Promise<T> {
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body as T;
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  // Only the delta-seconds form: an HTTP date (or garbage) leaves the caller's own delay in place.
  const retryAfter = response.headers.get('retry-after')?.trim();
  throw new DeskgateError(
    error?.code ?? 'internal_error',
    error?.message ?? `HTTP ${response.status}`,
    retryAfter && /^\d+$/.test(retryAfter) ? +retryAfter * 1000 : undefined,
  );
}

/** A session response: the session on 200, null on 401 (no usable session), a DeskgateError otherwise. */
export function readSession(response: Response): Promise<SessionInfo | null> {
  return response.status === 401 ? Promise.resolve(null) : readJson<SessionInfo>(response);
}

/** What an `error` event carries, for any thrown value (fetch rejections become `network_error`). */
export function toErrorInfo(error: unknown): DeskgateErrorInfo {
  return error instanceof DeskgateError
    ? { code: error.code, message: error.message }
    : { code: 'network_error', message: String((error as Error | undefined)?.message ?? error) };
}

export function isAbort(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'AbortError';
}
