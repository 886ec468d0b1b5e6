import { describe, expect, it } from 'vitest';
import { DeskgateError, MAX_RETRY_AFTER_MS, readJson, retryDelay } from './http.ts';
import { json } from './test/fixtures.ts';

/** A 429 as the API sends it, with `retry-after` set to the given value unless it is undefined. */
function rateLimited(retryAfter?: string) {
  const response = json(429, { error: { code: 'rate_limited', message: 'Too many requests' } });
  if (retryAfter !== undefined) response.headers.set('retry-after', retryAfter);
  return response;
}

async function thrown(response: Response): Promise<DeskgateError> {
  const error = await readJson(response).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeskgateError);
  return error as DeskgateError;
}

describe('readJson', () => {
  it("throws the API's code and message, with a delta-seconds Retry-After in milliseconds", async () => {
    const error = await thrown(rateLimited('7'));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toBe('Too many requests');
    expect(error.retryAfterMs).toBe(7_000);
    expect((await thrown(rateLimited(' 0 '))).retryAfterMs).toBe(0);
    // Only the delta-seconds form: a missing value, an HTTP date or garbage leaves it undefined.
    for (const value of [undefined, 'Wed, 21 Oct 2026 07:28:00 GMT', '1.5', '-3', 'soon', ''])
      expect((await thrown(rateLimited(value))).retryAfterMs, `Retry-After: ${value}`).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it("is the error's Retry-After, else the fallback, and never more than a minute", () => {
    expect(retryDelay(new DeskgateError('rate_limited', 'x', 5_000), 1_500)).toBe(5_000);
    expect(retryDelay(new DeskgateError('rate_limited', 'x'), 1_500)).toBe(1_500);
    expect(retryDelay(new TypeError('Failed to fetch'), 1_500)).toBe(1_500);
    expect(retryDelay(new DeskgateError('rate_limited', 'x', 3_600_000), 1_500)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
  });
});
