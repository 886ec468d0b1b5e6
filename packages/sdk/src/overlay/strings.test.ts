import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { format, STRINGS } from './strings.ts';

describe('STRINGS', () => {
  const [en, nl] = [STRINGS['en-US'], STRINGS['nl-NL']];

  it('has the same keys, all non-empty, in every locale', () => {
    assert.deepEqual(Object.keys(nl).sort(), Object.keys(en).sort());
    for (const strings of [en, nl]) for (const value of Object.values(strings)) assert.ok(value.trim());
  });

  it('names the product on the sign-in button and the region in every locale', () => {
    assert.equal(format(en.signIn, { product: 'Deepdesk' }), 'Sign in to Deepdesk');
    assert.equal(format(nl.signIn, { product: 'Deepdesk' }), 'Aanmelden bij Deepdesk');
    for (const strings of [en, nl]) assert.match(strings.region, /\{product\}/);
  });

  it('puts exactly one {code} in the confirmation text of every locale', () => {
    for (const strings of [en, nl]) assert.equal(strings.confirm.split('{code}').length, 2);
  });
});

describe('format', () => {
  it('fills every occurrence of known placeholders', () => {
    assert.equal(format('{a}-{b}-{a}', { a: '1', b: '2' }), '1-2-1');
  });

  it('leaves unknown placeholders untouched', () => {
    assert.equal(format('code {code}', {}), 'code {code}');
  });

  it('does not interpret replacement patterns in values', () => {
    assert.equal(format('Sign in to {product}', { product: "$& $' $1" }), "Sign in to $& $' $1");
  });
});
