import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { queryString } from './api.ts';
import { MESSAGES, pickLocale } from './i18n.ts';

describe('pickLocale', () => {
  it('takes the first locale of ours, by exact tag or by language', () => {
    assert.equal(pickLocale(['nl-NL']), 'nl-NL');
    assert.equal(pickLocale([null, 'de-DE', 'nl-BE', 'en-US']), 'nl-NL');
    assert.equal(pickLocale(['EN-gb']), 'en-US');
  });

  it('falls back to en-US when none is ours', () => {
    assert.equal(pickLocale([undefined, '', 'fr-FR']), 'en-US');
  });
});

describe('MESSAGES', () => {
  it('says the same things in every locale', () => {
    const shape = (value: unknown): unknown =>
      typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
        : typeof value;
    assert.deepEqual(shape(MESSAGES['nl-NL']), shape(MESSAGES['en-US']));
  });
});

describe('queryString', () => {
  it('keeps only the values given', () => {
    assert.equal(queryString({ q: 'ada', type: '', actor: undefined }), '?q=ada');
    assert.equal(queryString({}), '');
  });
});
