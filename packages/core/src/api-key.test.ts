import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { API_KEY_PATTERN, crc32, generateApiKey, parseApiKey } from './api-key.ts';

describe('API keys', () => {
  it('look like dgk_<kid>_<secret><checksum> and parse back to their kid', () => {
    const { key, kid } = generateApiKey();
    assert.match(key, API_KEY_PATTERN);
    assert.equal(key.length, 4 + 12 + 1 + 32 + 6);
    assert.deepEqual(parseApiKey(key), { kid });
  });

  it('are different every time (at least 128 random bits)', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    assert.equal(keys.size, 200);
  });

  it('refuse a key whose any one character changed (the checksum), without knowing any stored key', () => {
    const { key } = generateApiKey();
    for (let i = 4; i < key.length; i++) {
      if (key[i] === '_') continue;
      const swapped = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
      if (swapped === key) continue;
      assert.equal(parseApiKey(swapped), undefined, `position ${i}`);
    }
  });

  it('refuse anything that is not a well-formed key (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => parseApiKey(text) === undefined || API_KEY_PATTERN.test(text)),
      { numRuns: 500 },
    );
    for (const value of [
      undefined,
      null,
      42,
      '',
      'dgk_',
      `Bearer ${generateApiKey().key}`,
      `${generateApiKey().key} `,
    ])
      assert.equal(parseApiKey(value), undefined, String(value));
  });

  it('uses the standard CRC-32', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
  });
});
