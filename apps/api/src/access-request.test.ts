// Contract of access requests (F3, D2, docs/magic-link.md) against a real SMTP server on loopback: an unknown
// email asking for a link gets the same 202 and a confirm link; a GET of it changes nothing; its button
// confirms once and mails the approvers (the managers, else the approver emails) and nobody else; the approval
// page needs the approver's own first-party session and decides once, by a same-origin POST only.
import assert from 'node:assert/strict';
import { sha256 } from '@deskgate/core';
import { loginHeadless } from '@deskgate/dev-idp';
import type { DevSmtp } from '@deskgate/dev-smtp';
import { type CreateAttemptResponse, paths } from '@deskgate/protocol';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { OutboxWorker } from './mail/index.ts';
import { TenantService } from './services/tenants.ts';
import {
  AGENT,
  CHOOSER_CLICK,
  CX_ORIGIN,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  randomVerifier,
  TENANT,
} from './test/harness.ts';
import { captureMail, type MailCapture } from './test/mail.ts';

let h: Harness;
let smtp: DevSmtp;
let worker: OutboxWorker;
let captured: MailCapture;

const DAY_MS = 24 * 60 * 60 * 1000;
const MANAGER = { email: 'manager@demo.test', password: 'manager' };
/** A tenant without managers, with approver emails; and one with neither. */
const GLOBEX = 'globex';
const INITECH = 'initech';
const STORE_MANAGER = 'boss@acme.test';
let client = 0;
const nextIp = () => `198.19.${Math.floor(++client / 250)}.${(client % 250) + 1}`;
let serial = 0;
/** A fresh unknown email for each use, so the per-email limit never interferes. */
const newEmail = (name = 'new') => `${name}.${++serial}@example.com`;

beforeAll(async () => {
  h = await createHarness({
    tenant: { magicLink: { enabled: true, approverEmails: ['lead@acme.test'] } },
  });
  const tenants = new TenantService(h.store, h.deps.keys, h.now);
  for (const [code, approverEmails] of [
    [GLOBEX, ['Boss@Globex.test', 'deputy@globex.test']],
    [INITECH, []],
  ] as const)
    await tenants.save(
      {
        code,
        displayName: code[0]!.toUpperCase() + code.slice(1),
        allowedOrigins: [CX_ORIGIN],
        magicLink: { enabled: true, approverEmails },
      },
      'create',
    );
  captured = await captureMail(h);
  ({ smtp, worker } = captured);
  // Acme's managers: one made in the store, one the dev IdP's (created by SSO below); an agent; a known user.
  for (const [email, roles] of [
    [STORE_MANAGER, ['deepdesk.manager']],
    ['agent.only@acme.test', ['deepdesk.agent']],
    ['known.agent@example.com', ['deepdesk.agent']],
  ] as const) {
    const id = crypto.randomUUID();
    await h.store.createUserWithIdentity(
      {
        id,
        tenant: TENANT,
        email,
        name: null,
        roles: [...roles],
        confirmed: true,
        createdAt: h.now(),
        updatedAt: h.now(),
        disabledAt: null,
      },
      { tenant: TENANT, issuer: 'email', subject: email, userId: id, createdAt: h.now() },
    );
  }
  await signInFirstParty(paths.collection(TENANT), MANAGER);
});
afterAll(async () => {
  await smtp?.close();
  await h?.close();
});
beforeEach(() => {
  smtp.clear();
  h.advance(600_000);
});

/** The popup up to the chooser (which binds this browser), then the email form's POST. */
async function ask(email: string, tenant = TENANT, locale = 'en-US') {
  const verifier = randomVerifier();
  const created = await h.sdk(paths.attempts(tenant), {
    body: { challenge: await sha256(verifier), challengeMethod: 'S256', locale },
    jar: new Jar(),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const attempt = (await created.json()) as CreateAttemptResponse;
  const popup = new Jar();
  assert.equal((await h.page(attempt.signInUrl, popup)).status, 200);
  const response = await h.page(`${paths.magicLink(tenant)}?locale=${locale}`, popup, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ email, attempt: attempt.attemptId }).toString(),
    ip: nextIp(),
  });
  return response;
}

/** Waits for the work every answered request does after its answer (its log line), then runs the outbox. */
async function deliver() {
  return captured.deliver();
}

const to = (address: string) => smtp.messages().filter((m) => m.to.includes(address));

function linkIn(mail: { links: string[] } | undefined, path: string) {
  const link = mail?.links.find((l) => l.startsWith(`${PUBLIC_URL}${path}`));
  assert.ok(link, `no ${path} link in ${JSON.stringify(mail?.links)}`);
  return new URL(link);
}

/** The one confirm link mailed to `email` (of `tenant`). */
async function confirmLinkFor(email: string, tenant = TENANT) {
  await deliver();
  const mails = to(email);
  assert.equal(mails.length, 1, `one mail to ${email}`);
  return linkIn(mails[0], paths.accessRequestConfirm(tenant));
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SAME_ORIGIN = { ...FORM, origin: 'null', 'sec-fetch-site': 'same-origin' };

/** The confirm button: the page's form posts the token from the fragment. */
function confirm(link: URL, init: { ip?: string; headers?: Record<string, string>; token?: string } = {}) {
  return h.page(`${link.pathname}${link.search}`, new Jar(), {
    method: 'POST',
    headers: init.headers ?? SAME_ORIGIN,
    body: new URLSearchParams({ token: init.token ?? link.hash.replace(/^#token=/, '') }).toString(),
    ip: init.ip ?? nextIp(),
  });
}

/** Asks for `email`, confirms, and returns the request as the approvers' mail names it. */
async function pendingRequest(email = newEmail(), tenant = TENANT) {
  assert.equal((await ask(email, tenant)).status, 202);
  const confirmed = await confirm(await confirmLinkFor(email, tenant));
  assert.equal(confirmed.status, 200);
  const request = (await h.store.listAccessRequests(tenant)).find((r) => r.email === email);
  assert.equal(request?.status, 'pending');
  smtp.clear();
  return { email, id: request.id, path: paths.accessRequest(tenant, request.id) };
}

/**
 * First-party sign-in on the API site as `who` (through the dev IdP), starting from `path`, a page that needs
 * a session: returns the browser, signed in, back at `path`.
 */
async function signInFirstParty(path: string, who: { email: string; password: string }) {
  const browser = new Jar();
  const chooser = await h.page(
    `${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(path)}`,
    browser,
  );
  assert.equal(chooser.status, 200);
  const href = /href="([^"]*\/sso\/start[^"]*)"/.exec(await chooser.text())?.[1]?.replace(/&amp;/g, '&');
  assert.ok(href);
  const start = await h.page(href, browser, { headers: CHOOSER_CLICK });
  assert.equal(start.status, 302, await start.clone().text());
  const callback = await loginHeadless(start.headers.get('location')!, who);
  const landed = await h.page(callback.href, browser);
  assert.equal(landed.status, 303, await landed.clone().text());
  assert.equal(landed.headers.get('location'), path);
  return browser;
}

/** The approval page's buttons. */
function decide(path: string, browser: Jar, decision: string, headers: Record<string, string> = SAME_ORIGIN) {
  return h.page(`${path}?locale=en-US`, browser, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ decision }).toString(),
  });
}

describe('an unknown email asking for a sign-in link', () => {
  it('gets the same 202 as a known email, then an access-request mail with a confirm link, no sign-in link', async () => {
    const email = newEmail('Unknown');
    const unknown = await ask(`  ${email.toUpperCase()} `);
    const known = await ask('known.agent@example.com');
    assert.deepEqual([unknown.status, known.status], [202, 202]);
    const strip = (html: string) => html.replace(/data-attempt="[^"]*"|attempt=[^"&]*|[\w.+-]+@[\w.-]+/g, '');
    assert.equal(strip(await unknown.text()), strip(await known.text()));
    assert.deepEqual(unknown.headers.getSetCookie(), []);
    const link = await confirmLinkFor(email.toLowerCase());
    const [mail] = to(email.toLowerCase());
    assert.match(mail!.subject, /^Confirm your request for access to Deepdesk$/);
    assert.ok(mail!.text.includes(link.href) && mail!.html.includes(paths.accessRequestConfirm(TENANT)));
    assert.ok(!mail!.links.some((l) => l.includes(paths.magicLinkOpen(TENANT))), 'no sign-in link');
    assert.equal(link.search, '?locale=en-US', 'the token is in the fragment only');
    assert.match(link.hash, /^#token=dgr_[A-Za-z0-9_-]{43}$/);
    const [request] = await h.store.listAccessRequests(TENANT, 'unconfirmed');
    assert.deepEqual(
      [request?.email, request?.locale, request!.expiresAt - request!.createdAt],
      [email.toLowerCase(), 'en-US', 7 * DAY_MS],
    );
    assert.equal(request?.confirmDigest, await sha256(link.hash.slice(7)), 'only the digest is stored');
    const logs = h.logs.join('\n');
    assert.ok(!logs.includes(link.hash.slice(7)), 'the token is never logged');
    assert.ok(!logs.toLowerCase().includes(email.toLowerCase()), 'nor the email');
  });

  it('in nl-NL gets the mail and the link in nl-NL', async () => {
    const email = newEmail();
    assert.equal((await ask(email, TENANT, 'nl-NL')).status, 202);
    const link = await confirmLinkFor(email);
    assert.equal(link.search, '?locale=nl-NL');
    assert.match(to(email)[0]!.subject, /^Bevestig je aanvraag/);
    const page = await h.page(`${link.pathname}${link.search}`, new Jar());
    assert.match(await page.text(), /<html lang="nl-NL">[\s\S]*Mijn aanvraag bevestigen/);
  });

  it('asking again replaces the unconfirmed request: the older link is access_request_invalid', async () => {
    const email = newEmail();
    await ask(email);
    const older = await confirmLinkFor(email);
    smtp.clear();
    await ask(email);
    const newer = await confirmLinkFor(email);
    assert.notEqual(older.hash, newer.hash);
    const refused = await confirm(older);
    assert.equal(refused.status, 400);
    assert.equal(await errorCode(refused), 'access_request_invalid');
    assert.equal((await confirm(newer)).status, 200);
  });

  it('while a request of that email waits for a manager, asking again sends nothing new (the same 202)', async () => {
    const { email } = await pendingRequest();
    smtp.clear();
    const again = await ask(email);
    assert.equal(again.status, 202);
    assert.deepEqual(
      (await deliver()).filter((m) => m.to.includes(email)),
      [],
    );
    assert.equal((await h.store.listAccessRequests(TENANT)).filter((r) => r.email === email).length, 1);
  });
});

describe('the confirm link', () => {
  it('GET (and HEAD) render one guarded button and change nothing: no cookie, the request stays unconfirmed', async () => {
    const email = newEmail();
    await ask(email);
    const link = await confirmLinkFor(email);
    for (const method of ['GET', 'HEAD']) {
      const page = await h.page(`${link.pathname}${link.search}`, new Jar(), { method });
      assert.equal(page.status, 200, method);
      assert.deepEqual(page.headers.getSetCookie(), [], method);
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      if (method === 'GET') {
        const html = await page.text();
        assert.match(html, /<form id="access-request-confirm" method="post"[^>]*data-fragment-token>/);
        assert.equal(html.match(/data-guard/g)?.length, 1);
      }
    }
    const [request] = (await h.store.listAccessRequests(TENANT)).filter((r) => r.email === email);
    assert.equal(request?.status, 'unconfirmed');
    assert.deepEqual(to(STORE_MANAGER), [], 'nobody notified');
  });

  it('POST confirms once and mails the managers, and nobody else; pressing again notifies nobody', async () => {
    const email = newEmail();
    await ask(email);
    const link = await confirmLinkFor(email);
    const first = await confirm(link);
    assert.equal(first.status, 200);
    assert.match(
      await first.text(),
      /data-access-request="sent"[^>]*>Your request went to the managers of Acme/,
    );
    const [request] = (await h.store.listAccessRequests(TENANT)).filter((r) => r.email === email);
    assert.equal(request?.status, 'pending');
    await worker.runOnce();
    const notified = smtp.messages().filter((m) => m.subject.includes(email));
    assert.deepEqual(notified.map((m) => m.to[0]).sort(), [STORE_MANAGER, MANAGER.email]);
    for (const mail of notified) {
      assert.equal(mail.subject, `${email} asks for access to Deepdesk`);
      assert.equal(
        linkIn(mail, paths.accessRequest(TENANT, request!.id)).href,
        `${PUBLIC_URL}${paths.accessRequest(TENANT, request!.id)}`,
      );
    }
    const second = await confirm(link);
    assert.equal(second.status, 200);
    assert.match(await second.text(), /data-access-request="waiting"/);
    await worker.runOnce();
    assert.equal(
      smtp.messages().filter((m) => m.subject.includes(email)).length,
      2,
      'no second notification',
    );
  });

  it('of concurrent presses, one confirms and notifies; the others say it waits', async () => {
    const email = newEmail();
    await ask(email);
    const link = await confirmLinkFor(email);
    const pages = await Promise.all(Array.from({ length: 5 }, () => confirm(link).then((r) => r.text())));
    const states = pages.map((html) => /data-access-request="(\w+)"/.exec(html)?.[1]).sort();
    assert.deepEqual(states, ['sent', 'waiting', 'waiting', 'waiting', 'waiting']);
    await worker.runOnce();
    assert.equal(smtp.messages().filter((m) => m.subject.includes(email)).length, 2);
  });

  it('while the tenant has no manager, goes to its approver emails', async () => {
    const email = newEmail();
    await pendingRequest(email, GLOBEX);
    await worker.runOnce();
    const notified = smtp.messages().filter((m) => m.subject.includes(email));
    assert.deepEqual(notified.map((m) => m.to[0]).sort(), ['boss@globex.test', 'deputy@globex.test']);
  });

  it('with nobody to approve it, says so, logs a warning and keeps the request pending', async () => {
    const email = newEmail();
    await ask(email, INITECH);
    const response = await confirm(await confirmLinkFor(email, INITECH));
    assert.match(
      await response.text(),
      /data-access-request="nobody"[^>]*>Your request is confirmed, but Initech has nobody/,
    );
    assert.ok(h.logs.some((l) => l.includes('"level":40') && l.includes('nobody can approve it')));
    const [request] = await h.store.listAccessRequests(INITECH);
    assert.equal(request?.status, 'pending');
  });

  it('refuses garbage, another tenant’s link and cross-site posts, confirming nothing; failures are limited', async () => {
    const email = newEmail();
    await ask(email, GLOBEX);
    const link = await confirmLinkFor(email, GLOBEX);
    const elsewhere = new URL(`${PUBLIC_URL}${paths.accessRequestConfirm(TENANT)}${link.hash}`);
    assert.equal(await errorCode(await confirm(elsewhere)), 'access_request_invalid', 'another tenant');
    const crossSite = await confirm(link, {
      headers: { ...FORM, origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(await errorCode(crossSite), 'origin_not_allowed');
    const ip = nextIp();
    const statuses: number[] = [];
    for (const token of [
      '',
      'dgr_short',
      `dgm_${'A'.repeat(43)}`,
      ...Array(28).fill(`dgr_${'A'.repeat(43)}`),
    ]) {
      const response = await confirm(link, { ip, token });
      statuses.push(response.status);
      if (response.status === 400) assert.equal(await errorCode(response), 'access_request_invalid');
    }
    assert.deepEqual(statuses, [...Array(30).fill(400), 429]);
    const [request] = await h.store.listAccessRequests(GLOBEX, 'unconfirmed');
    assert.equal(request?.email, email, 'still unconfirmed');
    assert.equal((await confirm(link)).status, 200, 'from another address it works');
  });

  it('expires after 7 days: 410 access_request_expired', async () => {
    const email = newEmail();
    await ask(email);
    const link = await confirmLinkFor(email);
    h.advance(7 * DAY_MS);
    const response = await confirm(link);
    assert.equal(response.status, 410);
    assert.equal(await errorCode(response), 'access_request_expired');
  });
});

describe('the approval page', () => {
  it('without a session redirects to the first-party sign-in, which comes back to it', async () => {
    const { path } = await pendingRequest();
    const page = await h.page(`${path}?locale=en-US`, new Jar());
    assert.equal(page.status, 303);
    assert.equal(
      page.headers.get('location'),
      `${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent(`${path}?locale=en-US`)}`,
    );
    const posted = await decide(path, new Jar(), 'approve');
    assert.equal(posted.status, 303, 'a POST without a session decides nothing');
    const browser = await signInFirstParty(path, MANAGER);
    const signedIn = await h.page(path, browser);
    assert.equal(signedIn.status, 200);
    assert.equal(
      (await h.store.listAccessRequests(TENANT, 'pending')).some((r) => `${r.id}` === path.split('/').pop()),
      true,
    );
  });

  it('refuses a signed-in agent: 403 permission_denied, for the page and the buttons', async () => {
    const { path } = await pendingRequest();
    const agent = await signInFirstParty(path, AGENT);
    const page = await h.page(path, agent);
    assert.equal(page.status, 403);
    const html = await page.text();
    assert.match(html, /data-error-code="permission_denied"/);
    assert.match(html, /Only the managers of Acme/);
    assert.doesNotMatch(html, /<form/);
    const posted = await decide(path, agent, 'approve');
    assert.equal(posted.status, 403);
    assert.equal(await errorCode(posted), 'permission_denied');
    assert.equal((await h.store.getAccessRequest(TENANT, path.split('/').pop()!))?.status, 'pending');
  });

  it('shows a manager the request with two guarded buttons in one form, under the strict page headers', async () => {
    const { path, email } = await pendingRequest();
    const manager = await signInFirstParty(path, MANAGER);
    const page = await h.page(`${path}?locale=en-US`, manager);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.deepEqual(page.headers.getSetCookie(), []);
    const html = await page.text();
    assert.match(html, new RegExp(`<span data-email>${email.replace(/\./g, '\\.')}</span>`));
    assert.match(html, /data-status="pending"/);
    assert.equal(html.match(/<form /g)?.length, 1);
    assert.match(html, /<button[^>]*name="decision" value="approve" data-guard>Approve</);
    assert.match(html, /<button[^>]*name="decision" value="reject" data-guard>Reject</);
  });

  it('approve: the user exists as a confirmed agent, the mail says to sign in again, and a link now comes at once', async () => {
    const { path, email, id } = await pendingRequest();
    const manager = await signInFirstParty(path, MANAGER);
    const managerId = (await h.store.findUsersByEmail(TENANT, MANAGER.email))[0]!.id;
    const decided = await decide(path, manager, 'approve');
    assert.equal(decided.status, 200);
    const html = await decided.text();
    assert.match(
      html,
      /data-decision="approved"[^>]*>Approved by Max Manager \(manager@demo\.test\) on <time/,
    );
    assert.match(html, /click sign in and ask for a sign-in link by email, which now comes at once/);
    assert.doesNotMatch(html, /<form /);
    const [user] = await h.store.findUsersByEmail(TENANT, email);
    assert.deepEqual([user?.roles, user?.confirmed], [['deepdesk.agent'], true]);
    const request = await h.store.getAccessRequest(TENANT, id);
    assert.deepEqual([request?.status, request?.decidedBy], ['approved', managerId]);
    const audited = await h.store.listAudit(TENANT, { type: 'access_request_decided' });
    assert.deepEqual(
      audited.filter((e) => e.subject === id).map((e) => [e.actor, e.outcome, e.details]),
      [[{ kind: 'user', id: managerId }, 'ok', { decision: 'approved' }]],
      'the decision is in the audit log, once',
    );
    await worker.runOnce();
    const [mail] = to(email);
    assert.match(mail!.subject, /^Your access to Deepdesk was approved$/);
    assert.match(
      mail!.text,
      /Go back to Deepdesk, click Sign in and choose "Email me a sign-in link": the link now comes at once/,
    );
    assert.deepEqual(mail!.links, [], 'no link in the approval');
    assert.ok(h.logs.some((l) => l.includes('"msg":"access request decided"') && l.includes(managerId)));
    assert.ok(!h.logs.join('\n').includes(email), 'no email in the logs');
    smtp.clear();
    assert.equal((await ask(email)).status, 202);
    await deliver();
    assert.ok(linkIn(to(email)[0], paths.magicLinkOpen(TENANT)), 'a sign-in link, at once');
  });

  it('reject: no user, a neutral mail; decided once: the page shows the decision, a second one is 409', async () => {
    const { path, email } = await pendingRequest();
    const manager = await signInFirstParty(path, MANAGER);
    const decided = await decide(path, manager, 'reject');
    assert.equal(decided.status, 200);
    assert.match(await decided.text(), /data-decision="rejected"/);
    assert.deepEqual(await h.store.findUsersByEmail(TENANT, email), []);
    await worker.runOnce();
    const [mail] = to(email);
    assert.equal(mail!.subject, 'Your request for access to Deepdesk');
    assert.match(mail!.text, /was not approved/);
    const again = await decide(path, manager, 'approve');
    assert.equal(again.status, 409);
    assert.equal(await errorCode(again), 'access_request_decided');
    const page = await h.page(path, manager);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /data-status="rejected"/);
    assert.match(html, /Rejected by Max Manager/);
    assert.doesNotMatch(html, /<form /);
    assert.deepEqual(await h.store.findUsersByEmail(TENANT, email), [], 'still nobody');
  });

  it('of two decisions at once, one wins and the other gets 409; one mail goes out', async () => {
    const { path, email, id } = await pendingRequest();
    const manager = await signInFirstParty(path, MANAGER);
    const results = await Promise.all([decide(path, manager, 'approve'), decide(path, manager, 'reject')]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    const winner = results[0]!.status === 200 ? 'approved' : 'rejected';
    assert.equal((await h.store.getAccessRequest(TENANT, id))?.status, winner);
    assert.equal((await h.store.findUsersByEmail(TENANT, email)).length, winner === 'approved' ? 1 : 0);
    await worker.runOnce();
    assert.equal(to(email).length, 1);
  });

  it('refuses a cross-site POST (403 origin_not_allowed) and a decision that is neither: nothing decided', async () => {
    const { path, id } = await pendingRequest();
    const manager = await signInFirstParty(path, MANAGER);
    const crossSite = await decide(path, manager, 'approve', {
      ...FORM,
      origin: 'https://evil.test',
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(crossSite.status, 403);
    assert.equal(await errorCode(crossSite), 'origin_not_allowed');
    assert.equal(await errorCode(await decide(path, manager, 'maybe')), 'validation_failed');
    assert.equal((await h.store.getAccessRequest(TENANT, id))?.status, 'pending');
  });

  it('404 for another tenant’s request, an unconfirmed one and an unknown id', async () => {
    const other = await pendingRequest(newEmail(), GLOBEX);
    const email = newEmail();
    await ask(email);
    await deliver();
    const unconfirmed = (await h.store.listAccessRequests(TENANT, 'unconfirmed')).find(
      (r) => r.email === email,
    )!;
    const manager = await signInFirstParty(paths.collection(TENANT), MANAGER);
    for (const id of [other.id, unconfirmed.id, 'AAAAAAAAAAAAAAAAAAAAAA', '..%2F..', 'x']) {
      const page = await h.page(paths.accessRequest(TENANT, id), manager);
      assert.equal(page.status, 404, id);
      assert.equal(await errorCode(page), 'access_request_not_found', id);
    }
    const posted = await decide(paths.accessRequest(TENANT, other.id), manager, 'approve');
    assert.equal(await errorCode(posted), 'access_request_not_found');
    assert.equal((await h.store.getAccessRequest(GLOBEX, other.id))?.status, 'pending');
  });

  it('expires after 7 days: the page and the buttons answer 410 access_request_expired', async () => {
    const { path } = await pendingRequest();
    h.advance(7 * DAY_MS);
    const manager = await signInFirstParty(path, MANAGER);
    const page = await h.page(path, manager);
    assert.equal(page.status, 410);
    assert.equal(await errorCode(page), 'access_request_expired');
    assert.equal(await errorCode(await decide(path, manager, 'approve')), 'access_request_expired');
  });
});
