import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { generateApiKey } from './api-key.ts';
import { AUDIT_EVENT_TYPES, auditFieldsSafe, auditSafe, secretLikeReason } from './audit.ts';
import { randomToken } from './encoding.ts';
import { createExchangeToken } from './outbound.ts';
import { createRefreshToken } from './refresh-token.ts';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('audit events', () => {
  it('declare their types once, unique', () => {
    assert.equal(new Set(AUDIT_EVENT_TYPES).size, AUDIT_EVENT_TYPES.length);
    assert.ok(AUDIT_EVENT_TYPES.includes('sign_in'));
  });

  it('take ids, codes, emails, origins, times, numbers and booleans as details', () => {
    const details = {
      session: randomToken(16),
      user: crypto.randomUUID(),
      kid: 's-abc123',
      email: 'ann@example.com',
      origin: 'https://cx.example.com',
      expiresAt: new Date(0).toISOString(),
      origins: 2,
      weak: false,
    };
    assert.equal(auditSafe(details), details);
    assert.doesNotThrow(() =>
      auditFieldsSafe({
        subject: crypto.randomUUID(),
        code: 'api_key_invalid',
        method: 'jwt',
        actor: { id: null },
      }),
    );
  });

  it('refuse values that look like secrets, naming the key and never the value', () => {
    const secrets = {
      apiKey: generateApiKey().key,
      exchange: createExchangeToken(),
      magic: `dgm_${randomToken()}`,
      request: `dgr_${randomToken()}`,
      jwt: JWT,
      bearer: `Bearer ${JWT}`,
      refresh: createRefreshToken(),
      cookie: `__Secure-refresh_token_cookie=${createRefreshToken()}`,
      secret: randomToken(32),
      hex: 'a'.repeat(64),
    };
    for (const [key, value] of Object.entries(secrets)) {
      assert.ok(secretLikeReason(value), key);
      assert.throws(
        () => auditSafe({ [key]: value }),
        (error: Error) =>
          error instanceof TypeError && error.message.includes(key) && !error.message.includes(value),
        key,
      );
    }
    assert.throws(
      () => auditFieldsSafe({ subject: JWT, code: null, method: null, actor: { id: null } }),
      /subject/,
    );
  });

  it('refuse other shapes: objects, non-finite numbers, odd keys, long text, too many entries', () => {
    assert.throws(() => auditSafe({ nested: { a: 1 } }), TypeError);
    assert.throws(() => auditSafe({ n: Number.NaN }), TypeError);
    assert.throws(() => auditSafe({ 'a b': 'x' }), TypeError);
    assert.throws(() => auditSafe({ text: 'word '.repeat(200) }), TypeError);
    assert.throws(
      () => auditSafe(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]))),
      TypeError,
    );
  });
});
