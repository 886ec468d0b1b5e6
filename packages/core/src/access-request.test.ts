import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import {
  ACCESS_REQUEST_TOKEN_PATTERN,
  ACCESS_REQUEST_TTL_SECONDS,
  approverAddresses,
  canApprove,
  createAccessRequestToken,
  isAccessRequestTokenFormat,
} from './access-request.ts';
import { createMagicLinkToken } from './magic-link.ts';

const tenant = (approverEmails: string[] = ['lead@example.com']) => ({
  magicLink: { enabled: true, ttlSeconds: 600, approverEmails },
});
const user = (email: string | null, roles: string[] = ['deepdesk.agent'], confirmed = true) => ({
  email,
  roles,
  confirmed,
});
const MANAGER = user('boss@example.com', ['deepdesk.agent', 'deepdesk.manager']);
const AGENT = user('agent@example.com');
const LEAD = user('Lead@Example.com ');

describe('access request tokens', () => {
  it('are dgr_ and 256 random bits, told apart from magic links and other tokens without a lookup', () => {
    const token = createAccessRequestToken();
    assert.match(token, ACCESS_REQUEST_TOKEN_PATTERN);
    assert.equal(isAccessRequestTokenFormat(token), true);
    assert.notEqual(token, createAccessRequestToken());
    for (const other of [
      createMagicLinkToken(),
      `dgr_${'A'.repeat(42)}`,
      `dgr_${'A'.repeat(44)}`,
      `dgr_${'A'.repeat(42)}=`,
      '',
      null,
      42,
    ])
      assert.equal(isAccessRequestTokenFormat(other), false, String(other));
  });

  it('a request lives 7 days', () => {
    assert.equal(ACCESS_REQUEST_TTL_SECONDS, 604_800);
  });
});

describe('canApprove', () => {
  it('lets a manager approve, whatever the approver emails', () => {
    assert.equal(canApprove(tenant([]), MANAGER, [MANAGER, AGENT]), true);
    assert.equal(canApprove(tenant(), MANAGER, [MANAGER, LEAD]), true);
  });

  it('lets an approver email (normalised) approve only while the tenant has no manager', () => {
    assert.equal(canApprove(tenant(), LEAD, [LEAD, AGENT]), true);
    assert.equal(canApprove(tenant(['LEAD@example.com']), user('lead@example.com'), []), true);
    assert.equal(canApprove(tenant(), LEAD, [LEAD, AGENT, MANAGER]), false);
  });

  it('refuses agents, users without an email, and an approver email that no method vouched for', () => {
    assert.equal(canApprove(tenant(), AGENT, [AGENT]), false);
    assert.equal(canApprove(tenant(), user(null), [AGENT]), false);
    assert.equal(canApprove(tenant([]), LEAD, [LEAD]), false);
    // An API-key session: agent and unconfirmed (D10), so its claimed email counts for nothing.
    assert.equal(canApprove(tenant(), user('lead@example.com', ['deepdesk.agent'], false), [AGENT]), false);
  });
});

describe('approverAddresses', () => {
  it('is every manager with an email, each once, or else the approver emails', () => {
    const other = user('Boss@Example.com', ['deepdesk.manager']);
    assert.deepEqual(approverAddresses(tenant(), [AGENT, MANAGER, other, user(null, ['deepdesk.manager'])]), [
      'boss@example.com',
    ]);
    assert.deepEqual(approverAddresses(tenant(['a@example.com', 'b@example.com']), [AGENT]), [
      'a@example.com',
      'b@example.com',
    ]);
    assert.deepEqual(approverAddresses(tenant([]), [AGENT]), []);
    assert.deepEqual(
      approverAddresses(tenant(), [user(null, ['deepdesk.manager'])]),
      [],
      'a manager, no email',
    );
  });
});
