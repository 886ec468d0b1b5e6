import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { describe, it } from 'vitest';
import type { HmacKey } from './encoding.ts';
import {
  createRefreshToken,
  decideRefresh,
  isRefreshTokenFormat,
  REFRESH_GRACE_MS,
  successorRefreshToken,
} from './refresh-token.ts';
import type { RefreshTokenRecord, SessionRecord } from './store.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const TOKEN = `rt1.${'A'.repeat(43)}`;

const KEY_BYTES_A = new Uint8Array(32).fill(1);
const KEY_BYTES_B = new Uint8Array(32).fill(2);
const hmacKey = async (bytes: Uint8Array): Promise<HmacKey> => createSecretKey(bytes);

const session = (overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  id: 'sess-1',
  tenant: 'acme',
  userId: 'user-1',
  method: 'sso',
  createdAt: NOW - HOUR,
  expiresAt: NOW + 23 * HOUR,
  revokedAt: null,
  revokeReason: null,
  via: null,
  identityIssuer: null,
  identitySubject: null,
  ...overrides,
});

const record = (overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
  digest: 'digest-1',
  sessionId: 'sess-1',
  createdAt: NOW - HOUR,
  expiresAt: NOW + 23 * HOUR,
  usedAt: null,
  ...overrides,
});

describe('createRefreshToken', () => {
  it('creates rt1.<43 base64url characters> tokens that pass the format check', () => {
    const token = createRefreshToken();
    assert.match(token, /^rt1\.[A-Za-z0-9_-]{43}$/);
    assert.equal(isRefreshTokenFormat(token), true);
  });

  it('creates a different token every time', () => {
    assert.notEqual(createRefreshToken(), createRefreshToken());
  });
});

describe('isRefreshTokenFormat', () => {
  it('accepts the rt1. prefix followed by 43 base64url characters', () => {
    assert.equal(isRefreshTokenFormat(TOKEN), true);
    assert.equal(isRefreshTokenFormat(`rt1.${'-_aZ09'.repeat(7)}x`), true);
  });

  for (const [label, token] of [
    ['no prefix', 'A'.repeat(43)],
    ['another version', `rt2.${'A'.repeat(43)}`],
    ['42 characters', `rt1.${'A'.repeat(42)}`],
    ['44 characters', `rt1.${'A'.repeat(44)}`],
    ['standard base64 characters', `rt1.${'A'.repeat(41)}+/`],
    ['padding', `rt1.${'A'.repeat(42)}=`],
    ['a trailing newline', `rt1.${'A'.repeat(43)}\n`],
    ['the empty string', ''],
  ] as const) {
    it(`rejects a token with ${label}`, () => {
      assert.equal(isRefreshTokenFormat(token), false);
    });
  }
});

describe('successorRefreshToken', () => {
  it('is rt1. + base64url(HMAC-SHA-256(key, "successor:" + token))', async () => {
    const expected = createHmac('sha256', KEY_BYTES_A).update(`successor:${TOKEN}`).digest('base64url');
    assert.equal(await successorRefreshToken(await hmacKey(KEY_BYTES_A), TOKEN), `rt1.${expected}`);
  });

  it('is deterministic for the same key and token', async () => {
    const key = await hmacKey(KEY_BYTES_A);
    assert.equal(await successorRefreshToken(key, TOKEN), await successorRefreshToken(key, TOKEN));
  });

  it('passes the refresh token format check', async () => {
    assert.equal(isRefreshTokenFormat(await successorRefreshToken(await hmacKey(KEY_BYTES_A), TOKEN)), true);
  });

  it('differs across keys', async () => {
    const a = await successorRefreshToken(await hmacKey(KEY_BYTES_A), TOKEN);
    const b = await successorRefreshToken(await hmacKey(KEY_BYTES_B), TOKEN);
    assert.notEqual(a, b);
  });

  it('differs across tokens and never equals its predecessor', async () => {
    const key = await hmacKey(KEY_BYTES_A);
    const other = `rt1.${'B'.repeat(43)}`;
    const a = await successorRefreshToken(key, TOKEN);
    const b = await successorRefreshToken(key, other);
    assert.notEqual(a, b);
    assert.notEqual(a, TOKEN);
  });
});

describe('decideRefresh', () => {
  it('rotates an unused token of a live session', () => {
    assert.deepEqual(decideRefresh('acme', record(), session(), NOW), { outcome: 'rotate' });
  });

  it('rejects an unknown token as refresh_invalid', () => {
    assert.deepEqual(decideRefresh('acme', undefined, session(), NOW), {
      outcome: 'reject',
      code: 'refresh_invalid',
    });
  });

  it('rejects a token whose session is gone as refresh_invalid', () => {
    assert.deepEqual(decideRefresh('acme', record(), undefined, NOW), {
      outcome: 'reject',
      code: 'refresh_invalid',
    });
  });

  it("rejects another tenant's token as refresh_invalid", () => {
    assert.deepEqual(decideRefresh('acme', record(), session({ tenant: 'globex' }), NOW), {
      outcome: 'reject',
      code: 'refresh_invalid',
    });
  });

  it('rejects a token of a revoked session as session_revoked', () => {
    assert.deepEqual(
      decideRefresh('acme', record(), session({ revokedAt: NOW - 1, revokeReason: 'logout' }), NOW),
      {
        outcome: 'reject',
        code: 'session_revoked',
      },
    );
  });

  it('reports session_revoked ahead of expiry and reuse', () => {
    const decision = decideRefresh(
      'acme',
      record({ usedAt: NOW - HOUR, expiresAt: NOW - 1 }),
      session({ revokedAt: NOW - HOUR, expiresAt: NOW - 1 }),
      NOW,
    );
    assert.deepEqual(decision, { outcome: 'reject', code: 'session_revoked' });
  });

  it('rejects a token whose session reached its absolute end as refresh_expired', () => {
    assert.deepEqual(decideRefresh('acme', record(), session({ expiresAt: NOW }), NOW), {
      outcome: 'reject',
      code: 'refresh_expired',
    });
  });

  it('rejects a token past its own expiry as refresh_expired', () => {
    assert.deepEqual(decideRefresh('acme', record({ expiresAt: NOW }), session(), NOW), {
      outcome: 'reject',
      code: 'refresh_expired',
    });
  });

  it('still rotates one millisecond before either expiry', () => {
    assert.deepEqual(
      decideRefresh('acme', record({ expiresAt: NOW + 1 }), session({ expiresAt: NOW + 1 }), NOW),
      {
        outcome: 'rotate',
      },
    );
  });

  it('rejects an expired token as refresh_expired rather than reuse even when it was used', () => {
    assert.deepEqual(
      decideRefresh('acme', record({ usedAt: NOW - HOUR, expiresAt: NOW - 1 }), session(), NOW),
      {
        outcome: 'reject',
        code: 'refresh_expired',
      },
    );
  });

  it('answers a token used a moment ago with grace', () => {
    assert.deepEqual(decideRefresh('acme', record({ usedAt: NOW - 1 }), session(), NOW), {
      outcome: 'grace',
    });
  });

  it('answers a token used exactly REFRESH_GRACE_MS ago with grace', () => {
    assert.equal(REFRESH_GRACE_MS, 10_000);
    assert.deepEqual(decideRefresh('acme', record({ usedAt: NOW - REFRESH_GRACE_MS }), session(), NOW), {
      outcome: 'grace',
    });
  });

  it('treats a token used REFRESH_GRACE_MS + 1 ms ago as reuse', () => {
    assert.deepEqual(decideRefresh('acme', record({ usedAt: NOW - REFRESH_GRACE_MS - 1 }), session(), NOW), {
      outcome: 'reuse',
    });
  });

  it('treats a token used an hour ago as reuse', () => {
    assert.deepEqual(decideRefresh('acme', record({ usedAt: NOW - HOUR }), session(), NOW), {
      outcome: 'reuse',
    });
  });
});
