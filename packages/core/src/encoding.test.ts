import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { describe, it } from 'vitest';
import {
  base64urlDecode,
  base64urlEncode,
  confirmationCode,
  hmacSha256,
  normalizeConfirmationCode,
  randomToken,
  sha256,
  timingSafeEqual,
} from './encoding.ts';

describe('base64urlEncode / base64urlDecode', () => {
  it('encodes with the URL-safe alphabet and no padding', () => {
    assert.equal(base64urlEncode(new Uint8Array([0, 1, 2, 250, 251, 252, 253, 254, 255])), 'AAEC-vv8_f7_');
    assert.equal(base64urlEncode(new Uint8Array([0xff])), '_w');
  });

  it('round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = base64urlEncode(bytes);
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(base64urlDecode(text), bytes);
  });

  it('round-trips the empty byte string', () => {
    assert.equal(base64urlEncode(new Uint8Array(0)), '');
    assert.deepEqual(base64urlDecode(''), new Uint8Array(0));
  });
});

describe('randomToken', () => {
  it('is 256 bits (43 base64url characters) by default', () => {
    assert.match(randomToken(), /^[A-Za-z0-9_-]{43}$/);
  });

  it('encodes the requested number of bytes', () => {
    assert.equal(base64urlDecode(randomToken(16)).length, 16);
    assert.equal(randomToken(16).length, 22);
  });

  it('does not repeat', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => randomToken()));
    assert.equal(tokens.size, 100);
  });
});

describe('sha256', () => {
  it('is base64url of the SHA-256 digest (FIPS 180-2 "abc" vector)', async () => {
    assert.equal(await sha256('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });
});

describe('hmacSha256', () => {
  it('is base64url of HMAC-SHA-256 (RFC 4231 test case 2)', async () => {
    const key = createSecretKey(Buffer.from('Jefe'));
    assert.equal(
      await hmacSha256(key, 'what do ya want for nothing?'),
      'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM',
    );
  });
});

describe('timingSafeEqual', () => {
  it('accepts equal strings', () => {
    assert.equal(timingSafeEqual('rt1.abcdef', 'rt1.abcdef'), true);
    assert.equal(timingSafeEqual('', ''), true);
  });

  it('rejects strings of the same length that differ in one character', () => {
    assert.equal(timingSafeEqual('abcdef', 'abcdeg'), false);
    assert.equal(timingSafeEqual('Abcdef', 'abcdef'), false);
  });

  it('rejects a prefix and an extension of the expected string', () => {
    assert.equal(timingSafeEqual('abc', 'abcd'), false);
    assert.equal(timingSafeEqual('abcd', 'abc'), false);
    assert.equal(timingSafeEqual('', 'a'), false);
  });

  it('rejects a string padded with NUL characters to the same bytes', () => {
    assert.equal(timingSafeEqual('abc', 'abc\u0000'), false);
  });

  it('compares by UTF-8 bytes, not by UTF-16 length', () => {
    assert.equal(timingSafeEqual('é', 'é'), true);
    assert.equal(timingSafeEqual('é', 'e\u0301'), false);
  });
});

describe('confirmationCode', () => {
  const codes = Array.from({ length: 500 }, () => confirmationCode());

  it('has the form XXX-XXX of capitals and digits 2-9', () => {
    for (const code of codes) assert.match(code, /^[A-Z2-9]{3}-[A-Z2-9]{3}$/);
  });

  it('never uses the ambiguous characters 0, O, 1, I, L or U', () => {
    for (const code of codes) assert.doesNotMatch(code, /[0O1ILU]/);
  });

  it('varies between calls', () => {
    assert.ok(new Set(codes).size > 490, 'codes repeat far more often than 30^6 possibilities allow');
  });

  it('redraws bytes that would bias the draw (240-255), so every character is equally likely', () => {
    // 240 = 8 * 30: bytes from 240 up map unevenly and must be skipped, not folded onto the first 16.
    const feed = [240, 255, 0, 241, 29, 30, 59, 250, 60, 239];
    const randomBytes = (n: number) => Uint8Array.from(feed.splice(0, n));
    // Drawn: 0 -> A, 29 -> 9, 30 -> A, 59 -> 9, 60 -> A, 239 -> 9 (240, 255, 241, 250 redrawn).
    assert.equal(confirmationCode(randomBytes), 'A9A-9A9');
  });
});

describe('normalizeConfirmationCode', () => {
  it('accepts what a person types: any case, spaces, with or without the dash', () => {
    for (const typed of ['K7Q-X2M', 'k7q-x2m', ' K7Q X2M ', 'K7QX2M', 'k-7-q-x-2-m'])
      assert.equal(normalizeConfirmationCode(typed), 'K7Q-X2M');
  });

  it('gives an empty string for anything that cannot be a code', () => {
    for (const typed of ['', 'K7Q-X2', 'K7Q-X2MM', 'K7Q_X2M', '<script>', 'ÄÄÄ-ÄÄÄ'])
      assert.equal(normalizeConfirmationCode(typed), '');
  });
});
