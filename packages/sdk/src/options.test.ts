import { describe, expect, it } from 'vitest';
import { eventProblems, resolveLocale, resolveOptions } from './options.ts';
import type { DeskgateOptions } from './types.ts';

const base = { tenant: 'demo', apiUrl: 'http://127.0.0.1:8787' };

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveOptions(base)).toStrictEqual({
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
    expect(r.apiUrl).toBe('https://auth.example.com/deskgate');
    expect(r.apiOrigin).toBe('https://auth.example.com');
  });

  it('keeps the anchor, locale and product name it is given', () => {
    const r = resolveOptions({ ...base, anchor: '#composer', locale: 'nl-NL', productName: 'Acme Assist' });
    expect(r.anchor).toBe('#composer');
    expect(r.locale).toBe('nl-NL');
    expect(r.productName).toBe('Acme Assist');
  });

  for (const tenant of ['', 'ab', 'Demo', 'de-mo', 'de mo', undefined, 42]) {
    it(`throws a TypeError naming the pattern for tenant ${JSON.stringify(tenant)}`, () => {
      const call = () => resolveOptions({ ...base, tenant } as unknown as DeskgateOptions);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(/tenant must match/);
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
      const call = () => resolveOptions({ ...base, apiUrl } as unknown as DeskgateOptions);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(/apiUrl must be an absolute http\(s\) URL/);
    });
  }

  it('treats an empty anchor (data-anchor="") as none, and leaves checking a selector to the overlay', () => {
    expect(resolveOptions({ ...base, anchor: '' }).anchor).toBe(null);
    expect(resolveOptions({ ...base, anchor: '##bad' }).anchor).toBe('##bad');
  });

  it('throws a TypeError when called without options', () => {
    expect(() => resolveOptions(undefined as unknown as DeskgateOptions)).toThrow(TypeError);
  });
});

describe('resolveLocale', () => {
  it('selects Dutch for any nl locale and English for everything else', () => {
    expect(resolveLocale('nl-NL')).toBe('nl-NL');
    expect(resolveLocale('nl')).toBe('nl-NL');
    expect(resolveLocale('nl-BE')).toBe('nl-NL');
    expect(resolveLocale('nl_NL')).toBe('nl-NL');
    expect(resolveLocale('en-US')).toBe('en-US');
    expect(resolveLocale('de-DE')).toBe('en-US');
    expect(resolveLocale('nlx')).toBe('en-US');
    expect(resolveLocale(undefined)).toBe('en-US');
  });
});

describe('eventProblems', () => {
  it('names each events entry that is not a listener of a known event, and nothing for good ones', () => {
    expect(
      eventProblems({
        ready: () => {},
        error: undefined,
        signedOut: () => {},
        'signed-out': 'no',
      } as unknown as DeskgateOptions['events']),
    ).toStrictEqual([
      'Invalid option events.signedOut: not a function for ready, signed-out or error; it is ignored.',
      'Invalid option events.signed-out: not a function for ready, signed-out or error; it is ignored.',
    ]);
    expect(eventProblems(undefined)).toStrictEqual([]);
  });
});
