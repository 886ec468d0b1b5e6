import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { resolveLocale, resolveOptions } from './options.ts';
import type { DeskgateOptions } from './types.ts';

const base = { tenant: 'demo', apiUrl: 'http://127.0.0.1:8787' };

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    assert.deepEqual(resolveOptions(base), {
      tenant: 'demo',
      apiUrl: 'http://127.0.0.1:8787',
      apiOrigin: 'http://127.0.0.1:8787',
      anchor: null,
      locale: 'en-US',
      productName: 'Deepdesk',
    });
  });

  it('keeps a path prefix in apiUrl but drops the trailing slash, and drops query and hash', () => {
    const r = resolveOptions({ ...base, apiUrl: 'https://auth.example.com/deskgate/?x=1#y' });
    assert.equal(r.apiUrl, 'https://auth.example.com/deskgate');
    assert.equal(r.apiOrigin, 'https://auth.example.com');
  });

  it('keeps the anchor, locale and product name it is given', () => {
    const r = resolveOptions({ ...base, anchor: '#composer', locale: 'nl-NL', productName: 'Acme Assist' });
    assert.equal(r.anchor, '#composer');
    assert.equal(r.locale, 'nl-NL');
    assert.equal(r.productName, 'Acme Assist');
  });

  for (const tenant of ['', 'ab', 'Demo', 'de-mo', 'de mo', undefined, 42]) {
    it(`throws a TypeError naming the pattern for tenant ${JSON.stringify(tenant)}`, () => {
      assert.throws(
        () => resolveOptions({ ...base, tenant } as unknown as DeskgateOptions),
        (e: unknown) => e instanceof TypeError && /tenant must match/.test(e.message),
      );
    });
  }

  for (const apiUrl of [
    undefined,
    '',
    '/relative',
    'auth.example.com',
    'ftp://auth.example.com',
    'javascript:1',
  ]) {
    it(`throws a TypeError for apiUrl ${JSON.stringify(apiUrl)}`, () => {
      assert.throws(
        () => resolveOptions({ ...base, apiUrl } as unknown as DeskgateOptions),
        (e: unknown) => e instanceof TypeError && /apiUrl must be an absolute http\(s\) URL/.test(e.message),
      );
    });
  }

  it('throws a TypeError when called without options', () => {
    assert.throws(() => resolveOptions(undefined as unknown as DeskgateOptions), TypeError);
  });
});

describe('resolveLocale', () => {
  it('selects Dutch for any nl locale and English for everything else', () => {
    assert.equal(resolveLocale('nl-NL'), 'nl-NL');
    assert.equal(resolveLocale('nl'), 'nl-NL');
    assert.equal(resolveLocale('nl-BE'), 'nl-NL');
    assert.equal(resolveLocale('en-US'), 'en-US');
    assert.equal(resolveLocale('de-DE'), 'en-US');
    assert.equal(resolveLocale('nlx'), 'en-US');
    assert.equal(resolveLocale(undefined), 'en-US');
  });
});
