// Outbound-link targets: only allowed paths on the API's own site, judged as a browser would follow them.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { DeskgateError } from './errors.ts';
import {
  createExchangeToken,
  EXCHANGE_TOKEN_PATTERN,
  isExchangeTokenFormat,
  outboundTargets,
  resolveOutboundTarget,
} from './outbound.ts';

const origin = 'https://auth.example.com';
const targets = ['/t/acme/collection', '/reports/', 'https://auth.example.com/help?topic=outbound'];
const resolve = (value: unknown) => resolveOutboundTarget(value, { origin, targets });

function refused(value: unknown) {
  assert.throws(
    () => resolve(value),
    (error: unknown) => error instanceof DeskgateError && error.code === 'return_target_invalid',
    JSON.stringify(value),
  );
}

describe('exchange token format', () => {
  it('is dgx_ and 256 random bits, different every time', () => {
    const a = createExchangeToken();
    assert.match(a, EXCHANGE_TOKEN_PATTERN);
    assert.notEqual(a, createExchangeToken());
    assert.ok(isExchangeTokenFormat(a));
  });

  it('tells session tokens, API keys and garbage apart without a lookup', () => {
    for (const value of [
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      `dgk_abcdefghijkl_${'A'.repeat(38)}`,
      `dgx_${'A'.repeat(42)}`,
      `dgx_${'A'.repeat(44)}`,
      `dgx_${'A'.repeat(42)}=`,
      '',
      undefined,
      42,
    ])
      assert.equal(isExchangeTokenFormat(value), false, String(value));
  });
});

describe('resolveOutboundTarget', () => {
  it('takes the allowed paths, with query and fragment, and absolute URLs of the same origin', () => {
    assert.equal(resolve('/t/acme/collection'), '/t/acme/collection');
    assert.equal(resolve('/t/acme/collection?tab=replies#top'), '/t/acme/collection?tab=replies#top');
    assert.equal(resolve('/reports/2026/11'), '/reports/2026/11');
    assert.equal(resolve('https://auth.example.com/t/acme/collection'), '/t/acme/collection');
    assert.equal(resolve('https://auth.example.com/help?topic=outbound'), '/help?topic=outbound');
  });

  it('judges the path after normalisation: dot segments cannot climb out of an allowed prefix', () => {
    refused('/reports/../admin');
    refused('/reports/%2e%2e/admin');
    refused('/reports/%2E%2E/admin');
    refused('/t/acme/collection/../../other/collection');
    assert.equal(resolve('/t/other/../acme/collection'), '/t/acme/collection');
  });

  it('refuses paths the tenant does not list', () => {
    refused('/t/acme/collectionx');
    refused('/t/acme/collection/');
    refused('/reports');
    refused('/help?topic=other');
    refused('/');
  });

  it('refuses open-redirect payloads', () => {
    for (const payload of [
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/%09/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      ' //evil.example',
      'https:evil.example',
      'https:/evil.example',
      'https://evil.example/t/acme/collection',
      'https://auth.example.com@evil.example/t/acme/collection',
      'https://user:pw@auth.example.com/t/acme/collection',
      'https://auth.example.com.evil.example/t/acme/collection',
      'http://auth.example.com/t/acme/collection',
      'https://auth.example.com:444/t/acme/collection',
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '%2F%2Fevil.example',
      '/%2F%2Fevil.example',
      '%5C%5Cevil.example',
      '／／evil.example',
      '＼＼evil.example',
      '/／evil.example',
      '。/evil.example',
      'evil.example',
      '',
      null,
      undefined,
      42,
      ['/t/acme/collection'],
      `/t/acme/collection?${'a'.repeat(3000)}`,
    ])
      refused(payload);
  });

  it('always allows the personal collection, plus the tenant’s own targets', () => {
    assert.deepEqual(outboundTargets({ code: 'acme', outboundLinks: { targets: ['/reports/'] } }), [
      '/t/acme/collection',
      '/reports/',
    ]);
  });
});
