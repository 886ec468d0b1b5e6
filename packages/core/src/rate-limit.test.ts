import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  defaultRateLimits,
  parseRateLimitSettings,
  RATE_LIMIT_RULES,
  rateLimitKey,
  rateWindow,
  retryAfterSeconds,
} from './rate-limit.ts';

describe('parseRateLimitSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepEqual(parseRateLimitSettings(undefined), defaultRateLimits());
    assert.deepEqual(parseRateLimitSettings('  '), defaultRateLimits());
    assert.equal(
      parseRateLimitSettings(undefined)['attempts.create.ip'].limit,
      RATE_LIMIT_RULES['attempts.create.ip'].limit,
    );
  });

  it('overrides only the named fields', () => {
    const settings = parseRateLimitSettings(
      '{"attempts.create.ip": {"limit": 5}, "confirm.ip": {"windowSeconds": 60}}',
    );
    assert.deepEqual(settings['attempts.create.ip'], { limit: 5, windowSeconds: 60 });
    assert.deepEqual(settings['confirm.ip'], {
      limit: RATE_LIMIT_RULES['confirm.ip'].limit,
      windowSeconds: 60,
    });
    assert.deepEqual(settings['refresh.failures.ip'], defaultRateLimits()['refresh.failures.ip']);
  });

  it('refuses typos and nonsense with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ['not json', /JSON object/],
      ['[1]', /JSON object/],
      ['{"attempts.create.IP": {"limit": 5}}', /unknown limit "attempts.create.IP"/],
      ['{"confirm.ip": 5}', /must be an object/],
      ['{"confirm.ip": {"max": 5}}', /unknown field "max"/],
      ['{"confirm.ip": {"limit": 0}}', /whole number of 1 or more/],
      ['{"confirm.ip": {"limit": 2.5}}', /whole number/],
      ['{"confirm.ip": {"windowSeconds": "60"}}', /whole number/],
    ];
    for (const [text, message] of cases) assert.throws(() => parseRateLimitSettings(text), message, text);
  });

  it('does not let one parse change the defaults of the next', () => {
    parseRateLimitSettings('{"confirm.ip": {"limit": 1}}');
    assert.equal(defaultRateLimits()['confirm.ip'].limit, RATE_LIMIT_RULES['confirm.ip'].limit);
  });
});

describe('rateWindow and retryAfterSeconds', () => {
  const minute = { limit: 1, windowSeconds: 60 };

  it('aligns windows so every instance agrees on them', () => {
    assert.deepEqual(rateWindow(minute, 120_000), { start: 120_000, end: 180_000 });
    assert.deepEqual(rateWindow(minute, 179_999), { start: 120_000, end: 180_000 });
    assert.deepEqual(rateWindow(minute, 180_000), { start: 180_000, end: 240_000 });
  });

  it('asks to retry when the window ends, at least one second', () => {
    assert.equal(retryAfterSeconds(rateWindow(minute, 120_000), 120_000), 60);
    assert.equal(retryAfterSeconds(rateWindow(minute, 150_500), 150_500), 30);
    assert.equal(retryAfterSeconds(rateWindow(minute, 179_999), 179_999), 1);
  });
});

describe('rateLimitKey', () => {
  it('is a digest that names neither the subject nor the rule, and differs per rule and subject', async () => {
    const key = await rateLimitKey('confirm.ip', 'ip:192.0.2.7');
    assert.doesNotMatch(key, /192|confirm/);
    assert.equal(key, await rateLimitKey('confirm.ip', 'ip:192.0.2.7'));
    assert.notEqual(key, await rateLimitKey('confirm.ip', 'ip:192.0.2.8'));
    assert.notEqual(key, await rateLimitKey('pages.ip', 'ip:192.0.2.7'));
  });
});
