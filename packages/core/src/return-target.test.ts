import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { resolveReturnTarget } from './return-target.ts';

const ORIGIN = 'https://auth.example.com';
const ALLOWED = ['https://desk.example.com/agent/home', 'https://desk.example.com/after-login?x=1'];
const resolve = (value: unknown) => resolveReturnTarget(value, { origin: ORIGIN, allowed: ALLOWED });
const code = (value: unknown) => {
  try {
    resolve(value);
    return 'accepted';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('resolveReturnTarget', () => {
  it('takes a path on this site, with its query and fragment', () => {
    assert.equal(resolve('/t/acme/admin?tab=users#top'), '/t/acme/admin?tab=users#top');
    assert.equal(resolve('/a/../b'), '/b');
  });

  it('takes an allowed URL exactly, as the URL parser serializes it', () => {
    assert.equal(resolve('https://desk.example.com/agent/home'), 'https://desk.example.com/agent/home');
    assert.equal(resolve('HTTPS://DESK.example.com:443/agent/home'), 'https://desk.example.com/agent/home');
  });

  it('refuses everything else with return_target_invalid', () => {
    for (const value of [
      undefined,
      '',
      42,
      '//evil.test/x',
      '/\\evil.test/x',
      '/\\/evil.test',
      'https://evil.test/agent/home',
      'https://desk.example.com/agent/home/more',
      'https://desk.example.com/agent/home?x=1',
      'https://desk.example.com.evil.test/agent/home',
      'javascript:alert(1)',
      'data:text/html,hi',
      'relative/path',
      '/\t/evil.test',
      '/ok\n',
      `/${'a'.repeat(2048)}`,
    ])
      assert.equal(code(value), 'return_target_invalid', JSON.stringify(value));
  });

  it('never resolves to another origin than this site or an allowed URL, whatever the input (property)', () => {
    const allowed = new Set(ALLOWED.map((u) => new URL(u).href));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.string().map((s) => `/${s}`),
          fc.string().map((s) => `//${s}`),
          fc.constantFrom(...ALLOWED).chain((u) => fc.string().map((s) => u + s)),
        ),
        (value) => {
          let target: string;
          try {
            target = resolve(value);
          } catch (error) {
            return (error as { code: string }).code === 'return_target_invalid';
          }
          if (target.startsWith('/')) {
            // What a browser would follow from a page on this site.
            return new URL(target, ORIGIN).origin === ORIGIN && !target.startsWith('//');
          }
          return allowed.has(target);
        },
      ),
      { numRuns: 500 },
    );
  });
});
