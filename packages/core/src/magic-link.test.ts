import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  createMagicLinkToken,
  isMagicLinkTokenFormat,
  MAGIC_LINK_TOKEN_PATTERN,
  normalizeEmail,
} from './magic-link.ts';

describe('magic link tokens', () => {
  it('are dgm_ and 256 random bits, different every time, told apart from other tokens without a lookup', () => {
    const token = createMagicLinkToken();
    assert.match(token, MAGIC_LINK_TOKEN_PATTERN);
    assert.notEqual(token, createMagicLinkToken());
    for (const other of [`dgx_${'A'.repeat(43)}`, `dgm_${'A'.repeat(42)}`, 'eyJ.eyJ.sig', '', null])
      assert.equal(isMagicLinkTokenFormat(other), false, String(other));
  });
});

describe('normalizeEmail', () => {
  it('folds case, Unicode compatibility forms and surrounding whitespace', () => {
    assert.equal(normalizeEmail('  Agent@Example.COM \n'), 'agent@example.com');
    assert.equal(normalizeEmail('ａｇｅｎｔ＠ｅｘａｍｐｌｅ．ｃｏｍ'), 'agent@example.com');
    assert.equal(normalizeEmail('Ägent@Exämple.de'), 'ägent@xn--exmple-cua.de');
    assert.equal(normalizeEmail('first.last+tag@sub.example.co.uk'), 'first.last+tag@sub.example.co.uk');
  });

  it('refuses what is not an email', () => {
    for (const value of [
      '',
      'agent',
      '@example.com',
      'agent@',
      'agent@example',
      'a@b@example.com',
      'agent @example.com',
      'agent@exa mple.com',
      'agent@example.com\u0000',
      '"quoted"@example.com',
      '.agent@example.com',
      'agent.@example.com',
      'ag..ent@example.com',
      'agent@-example.com',
      'agent@example..com',
      `${'a'.repeat(65)}@example.com`,
      `agent@${'a'.repeat(250)}.com`,
      'agent@example.com<script>',
      'agent@[127.0.0.1]',
      42,
      null,
      undefined,
      ['agent@example.com'],
    ])
      assert.equal(normalizeEmail(value), undefined, JSON.stringify(value));
  });
});
