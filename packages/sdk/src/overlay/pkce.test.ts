import { describe, expect, it } from 'vitest';
import { base64url, challengeFor, createVerifier } from './pkce.ts';

describe('base64url', () => {
  it('uses the URL-safe alphabet without padding', () => {
    expect(base64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(base64url(new Uint8Array([0xff]))).toBe('_w');
    expect(base64url(new Uint8Array([0x66, 0x6f]))).toBe('Zm8');
    expect(base64url(new Uint8Array([]))).toBe('');
  });

  it("matches the browser's own base64 (btoa, made URL-safe) for every byte value", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const reference = btoa(String.fromCharCode(...bytes))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');
    expect(base64url(bytes)).toBe(reference);
  });
});

describe('createVerifier', () => {
  it('returns 43 base64url characters (32 random bytes), different each time', () => {
    const a = createVerifier();
    const b = createVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });
});

describe('challengeFor', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});
