import { describe, expect, it } from 'vitest';
import { format, STRINGS } from './strings.ts';

describe('STRINGS', () => {
  const [en, nl] = [STRINGS['en-US'], STRINGS['nl-NL']];

  it('has the same keys, all non-empty, in every locale', () => {
    expect(Object.keys(nl).sort()).toStrictEqual(Object.keys(en).sort());
    for (const strings of [en, nl])
      for (const value of Object.values(strings)) expect(value.trim()).toBeTruthy();
  });

  it('names the product on the sign-in button and the region in every locale', () => {
    expect(format(en.signIn, { product: 'Deepdesk' })).toBe('Sign in to Deepdesk');
    expect(format(nl.signIn, { product: 'Deepdesk' })).toBe('Aanmelden bij Deepdesk');
    for (const strings of [en, nl]) expect(strings.region).toMatch(/\{product\}/);
  });

  it('puts exactly one {code} in the confirmation text of every locale', () => {
    for (const strings of [en, nl]) expect(strings.confirm.split('{code}').length).toBe(2);
  });
});

describe('format', () => {
  it('fills every occurrence of known placeholders', () => {
    expect(format('{a}-{b}-{a}', { a: '1', b: '2' })).toBe('1-2-1');
  });

  it('leaves unknown placeholders untouched', () => {
    expect(format('code {code}', {})).toBe('code {code}');
  });

  it('does not interpret replacement patterns in values', () => {
    expect(format('Sign in to {product}', { product: "$& $' $1" })).toBe("Sign in to $& $' $1");
  });
});
