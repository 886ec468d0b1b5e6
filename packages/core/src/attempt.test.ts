import assert from 'node:assert/strict';
import { createHmac, createSecretKey } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  ATTEMPT_TTL_SECONDS,
  attemptProof,
  decideRedeem,
  isAttemptLocked,
  isChallenge,
  isVerifier,
  newAttempt,
  verifierMatches,
} from './attempt.ts';
import type { HmacKey } from './encoding.ts';
import { MAX_CONFIRM_FAILURES } from './rate-limit.ts';
import type { AttemptRecord } from './store.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60 * 1000;
const ORIGIN = 'https://cx.example.com';

// RFC 7636 appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const KEY_BYTES = new Uint8Array(32).fill(7);
const hmacKey = async (bytes: Uint8Array): Promise<HmacKey> => createSecretKey(bytes);

const attempt = (overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
  ...newAttempt('acme', ORIGIN, RFC_CHALLENGE, NOW - MINUTE),
  confirmationCode: 'K7Q-X2M',
  ...overrides,
});

const NO_PROOF = { given: false, valid: false };
const VALID_PROOF = { given: true, valid: true };
const INVALID_PROOF = { given: true, valid: false };

describe('isChallenge', () => {
  it('accepts a 43-character base64url S256 challenge', () => {
    assert.equal(isChallenge(RFC_CHALLENGE), true);
  });

  for (const [label, value] of [
    ['42 characters', RFC_CHALLENGE.slice(1)],
    ['44 characters', `${RFC_CHALLENGE}A`],
    ['padding', `${RFC_CHALLENGE.slice(1)}=`],
    ['standard base64 characters', `${RFC_CHALLENGE.slice(2)}+/`],
    ['a non-string', 43],
    ['undefined', undefined],
  ] as const) {
    it(`rejects ${label}`, () => {
      assert.equal(isChallenge(value), false);
    });
  }
});

describe('isVerifier', () => {
  it('accepts the RFC 7636 example verifier and lengths from 43 to 128', () => {
    assert.equal(isVerifier(RFC_VERIFIER), true);
    assert.equal(isVerifier('a'.repeat(43)), true);
    assert.equal(isVerifier('a'.repeat(128)), true);
  });

  for (const [label, value] of [
    ['42 characters', 'a'.repeat(42)],
    ['129 characters', 'a'.repeat(129)],
    ['a space', `${'a'.repeat(42)} `],
    ['a slash', `${'a'.repeat(42)}/`],
    ['a non-string', null],
  ] as const) {
    it(`rejects ${label}`, () => {
      assert.equal(isVerifier(value), false);
    });
  }
});

describe('newAttempt', () => {
  it('binds tenant, origin and challenge and starts with nothing done', () => {
    const a = newAttempt('acme', ORIGIN, RFC_CHALLENGE, NOW);
    assert.deepEqual(
      { ...a, id: '<id>', confirmationCode: '<code>' },
      {
        id: '<id>',
        tenant: 'acme',
        challenge: RFC_CHALLENGE,
        origin: ORIGIN,
        confirmationCode: '<code>',
        createdAt: NOW,
        expiresAt: NOW + 10 * MINUTE,
        bindingDigest: null,
        userId: null,
        method: null,
        completedAt: null,
        confirmedAt: null,
        redeemedAt: null,
        confirmFailures: 0,
        locale: null,
        identityIssuer: null,
        identitySubject: null,
      },
    );
  });

  it('expires ATTEMPT_TTL_SECONDS (10 minutes) after creation', () => {
    assert.equal(ATTEMPT_TTL_SECONDS, 600);
    assert.equal(newAttempt('acme', ORIGIN, RFC_CHALLENGE, NOW).expiresAt - NOW, 600_000);
  });

  it('has a 128-bit random base64url id and a confirmation code', () => {
    const a = newAttempt('acme', ORIGIN, RFC_CHALLENGE, NOW);
    const b = newAttempt('acme', ORIGIN, RFC_CHALLENGE, NOW);
    assert.match(a.id, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(a.id, b.id);
    assert.match(a.confirmationCode, /^[A-Z2-9]{3}-[A-Z2-9]{3}$/);
  });
});

describe('verifierMatches', () => {
  it('accepts the RFC 7636 appendix B verifier for its S256 challenge', async () => {
    assert.equal(await verifierMatches(attempt({ challenge: RFC_CHALLENGE }), RFC_VERIFIER), true);
  });

  it('rejects another verifier', async () => {
    assert.equal(
      await verifierMatches(attempt({ challenge: RFC_CHALLENGE }), `${RFC_VERIFIER.slice(0, -1)}j`),
      false,
    );
  });

  it('rejects the challenge itself presented as the verifier (plain method)', async () => {
    assert.equal(await verifierMatches(attempt({ challenge: RFC_CHALLENGE }), RFC_CHALLENGE), false);
  });
});

describe('attemptProof', () => {
  it('is base64url(HMAC-SHA-256(key, "attempt-proof:" + id))', async () => {
    const expected = createHmac('sha256', KEY_BYTES).update('attempt-proof:att-1').digest('base64url');
    assert.equal(await attemptProof(await hmacKey(KEY_BYTES), 'att-1'), expected);
  });

  it('is deterministic per attempt id', async () => {
    const key = await hmacKey(KEY_BYTES);
    assert.equal(await attemptProof(key, 'att-1'), await attemptProof(key, 'att-1'));
  });

  it('differs between attempt ids and between keys', async () => {
    const key = await hmacKey(KEY_BYTES);
    const other = await hmacKey(new Uint8Array(32).fill(8));
    assert.notEqual(await attemptProof(key, 'att-1'), await attemptProof(key, 'att-2'));
    assert.notEqual(await attemptProof(key, 'att-1'), await attemptProof(other, 'att-1'));
  });
});

describe('decideRedeem', () => {
  const completed = { completedAt: NOW - 10_000, userId: 'user-1', method: 'sso' };

  it('reports pending while the attempt is not completed', () => {
    assert.deepEqual(decideRedeem(attempt(), NO_PROOF, NOW), {
      outcome: 'respond',
      body: { status: 'pending' },
    });
  });

  it('reports pending for an incomplete attempt even with a proof', () => {
    assert.deepEqual(decideRedeem(attempt(), INVALID_PROOF, NOW), {
      outcome: 'respond',
      body: { status: 'pending' },
    });
  });

  it('asks for confirmation with the code when completed without proof or confirmation', () => {
    assert.deepEqual(decideRedeem(attempt(completed), NO_PROOF, NOW), {
      outcome: 'respond',
      body: { status: 'confirmation_required', confirmationCode: 'K7Q-X2M' },
    });
  });

  it('redeems a completed attempt with a valid proof (fast path)', () => {
    assert.deepEqual(decideRedeem(attempt(completed), VALID_PROOF, NOW), { outcome: 'redeem' });
  });

  it('refuses a completed attempt with an invalid proof as attempt_proof_invalid', () => {
    assert.deepEqual(decideRedeem(attempt(completed), INVALID_PROOF, NOW), {
      outcome: 'error',
      code: 'attempt_proof_invalid',
    });
  });

  it('refuses an invalid proof even when the agent confirmed the code', () => {
    assert.deepEqual(decideRedeem(attempt({ ...completed, confirmedAt: NOW - 1000 }), INVALID_PROOF, NOW), {
      outcome: 'error',
      code: 'attempt_proof_invalid',
    });
  });

  it('redeems a confirmed attempt without proof (fallback)', () => {
    assert.deepEqual(decideRedeem(attempt({ ...completed, confirmedAt: NOW - 1000 }), NO_PROOF, NOW), {
      outcome: 'redeem',
    });
  });

  it('refuses an expired attempt as attempt_expired, at and after expiresAt', () => {
    for (const a of [
      attempt({ ...completed, expiresAt: NOW }),
      attempt({ ...completed, expiresAt: NOW - 1 }),
    ]) {
      assert.deepEqual(decideRedeem(a, VALID_PROOF, NOW), { outcome: 'error', code: 'attempt_expired' });
    }
  });

  it('refuses an expired pending attempt as attempt_expired rather than pending', () => {
    assert.deepEqual(decideRedeem(attempt({ expiresAt: NOW }), NO_PROOF, NOW), {
      outcome: 'error',
      code: 'attempt_expired',
    });
  });

  it('still redeems one millisecond before expiresAt', () => {
    assert.deepEqual(decideRedeem(attempt({ ...completed, expiresAt: NOW + 1 }), VALID_PROOF, NOW), {
      outcome: 'redeem',
    });
  });

  it('refuses an attempt that was already redeemed, whatever the proof', () => {
    const redeemed = attempt({ ...completed, confirmedAt: NOW - 2000, redeemedAt: NOW - 1000 });
    for (const proof of [NO_PROOF, VALID_PROOF, INVALID_PROOF]) {
      assert.deepEqual(decideRedeem(redeemed, proof, NOW), {
        outcome: 'error',
        code: 'attempt_already_redeemed',
      });
    }
  });

  it('reports already redeemed ahead of expired', () => {
    const a = attempt({ ...completed, redeemedAt: NOW - 1000, expiresAt: NOW - 1 });
    assert.deepEqual(decideRedeem(a, VALID_PROOF, NOW), {
      outcome: 'error',
      code: 'attempt_already_redeemed',
    });
  });
});

describe('decideRedeem on an attempt burnt by wrong confirmation codes', () => {
  const completed = { completedAt: NOW - 10_000, userId: 'user-1', method: 'sso' };

  it('refuses it as attempt_locked, even with a valid proof or a confirmation', () => {
    const burnt = attempt({ ...completed, confirmFailures: MAX_CONFIRM_FAILURES });
    for (const a of [
      burnt,
      attempt({ ...completed, confirmedAt: NOW - 1, confirmFailures: MAX_CONFIRM_FAILURES }),
    ]) {
      for (const proof of [NO_PROOF, VALID_PROOF]) {
        assert.deepEqual(decideRedeem(a, proof, NOW), { outcome: 'error', code: 'attempt_locked' });
      }
    }
    assert.equal(isAttemptLocked(burnt), true);
  });

  it('still lets the attempt through one wrong entry short of the limit', () => {
    const a = attempt({ ...completed, confirmFailures: MAX_CONFIRM_FAILURES - 1 });
    assert.equal(isAttemptLocked(a), false);
    assert.deepEqual(decideRedeem(a, VALID_PROOF, NOW), { outcome: 'redeem' });
  });
});
