import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { base64url, challengeFor, createVerifier } from './pkce.ts';

describe('base64url', () => {
  it('uses the URL-safe alphabet without padding', () => {
    assert.equal(base64url(new Uint8Array([0xfb, 0xff, 0xbf])), '-_-_');
    assert.equal(base64url(new Uint8Array([0xff])), '_w');
    assert.equal(base64url(new Uint8Array([0x66, 0x6f])), 'Zm8');
    assert.equal(base64url(new Uint8Array([])), '');
  });

  it('matches Node Buffer base64url for every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(base64url(bytes), Buffer.from(bytes).toString('base64url'));
  });
});

describe('createVerifier', () => {
  it('returns 43 base64url characters (32 random bytes), different each time', () => {
    const a = createVerifier();
    const b = createVerifier();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
  });
});

describe('challengeFor', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    assert.equal(
      await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});
