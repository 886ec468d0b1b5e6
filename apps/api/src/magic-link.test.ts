// Contract of magic links (F3, docs/magic-link.md) against a real SMTP server on loopback: the same 202 for
// every email, a link only for a known user, read from the actual message; a GET changes nothing; the
// button's POST uses it once and completes the attempt through the handoff (the opener in the browser that
// started it, the overlay's code anywhere else).
import assert from 'node:assert/strict';
import type { DevSmtp } from '@deskgate/dev-smtp';
import { paths, type RedeemAttemptResponse } from '@deskgate/protocol';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import type { OutboxWorker } from './mail/index.ts';
import { TenantService } from './services/tenants.ts';
import {
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  proofFrom,
  TENANT,
} from './test/harness.ts';
import { captureMail, type MailCapture } from './test/mail.ts';

let h: Harness;
let smtp: DevSmtp;
let worker: OutboxWorker;
let captured: MailCapture;

const KNOWN = 'Known.Agent@Example.com';
let knownId: string;
let client = 0;
const nextIp = () => `198.18.${Math.floor(++client / 250)}.${(client % 250) + 1}`;

beforeAll(async () => {
  h = await createHarness({ tenant: { magicLink: { enabled: true } } });
  captured = await captureMail(h);
  ({ smtp, worker } = captured);
  knownId = crypto.randomUUID();
  await h.store.createUserWithIdentity(
    {
      id: knownId,
      tenant: TENANT,
      email: 'known.agent@example.com',
      name: 'Known Agent',
      roles: ['deepdesk.agent'],
      confirmed: true,
      createdAt: h.now(),
      updatedAt: h.now(),
      disabledAt: null,
    },
    {
      tenant: TENANT,
      issuer: 'email',
      subject: 'known.agent@example.com',
      userId: knownId,
      createdAt: h.now(),
    },
  );
});
afterAll(async () => {
  await smtp?.close();
  await h?.close();
});
beforeEach(() => {
  smtp.clear();
  // A new window of the per-email limit for each test (KNOWN asks often); the limit has its own test.
  h.advance(600_000);
});

/** The popup up to the chooser (which binds this browser), with the magic-link form on it. */
async function chooser() {
  const { verifier, attempt, sdkJar } = await createAttempt(h);
  const popup = new Jar();
  const page = await h.page(attempt.signInUrl, popup);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<form class="magic-link" method="post"/);
  return { verifier, attempt, sdkJar, popup };
}

function ask(
  popup: Jar,
  body: Record<string, string>,
  init: { ip?: string; json?: boolean; headers?: Record<string, string> } = {},
) {
  return h.page(`${paths.magicLink(TENANT)}?locale=en-US`, popup, {
    method: 'POST',
    headers: {
      'content-type': init.json ? 'application/json' : 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
      ...init.headers,
    },
    body: init.json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
    ip: init.ip ?? nextIp(),
  });
}

/**
 * Lets the requests' after-the-answer work put `expected` mails in the outbox (an unknown email gets an
 * access request), runs the outbox, then returns the mails delivered.
 */
/** Lets the request's after-the-answer work and the outbox run, then returns the mails delivered. */
const deliver = () => captured.deliver();

function linkIn(mail: { links: string[] }) {
  const link = mail.links.find((l) => l.includes(paths.magicLinkOpen(TENANT)));
  assert.ok(link, `no magic link in ${JSON.stringify(mail.links)}`);
  return new URL(link);
}

function open(link: URL, browser: Jar, ip = nextIp()) {
  const token = link.hash.replace(/^#token=/, '');
  return h.page(`${link.pathname}${link.search}`, browser, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ token }).toString(),
    ip,
  });
}

describe('POST /t/{tenant}/auth/magic-link', () => {
  it('answers 202 with the same page for a known and an unknown email; only the known one gets a link', async () => {
    const known = await chooser();
    const first = await ask(known.popup, { email: ` ${KNOWN} `, attempt: known.attempt.attemptId });
    const unknown = await chooser();
    const second = await ask(unknown.popup, {
      email: 'nobody@example.com',
      attempt: unknown.attempt.attemptId,
    });
    assert.deepEqual([first.status, second.status], [202, 202]);
    const strip = (html: string) => html.replace(/data-attempt="[^"]*"|attempt=[^"&]*|[\w.+-]+@[\w.-]+/g, '');
    assert.equal(strip(await first.text()), strip(await second.text()));
    assert.deepEqual(first.headers.getSetCookie(), []);
    const mails = await deliver();
    assert.deepEqual(mails.map((m) => m.to).sort(), [['known.agent@example.com'], ['nobody@example.com']]);
    // The unknown email gets an access request instead (access-request.test.ts), never a link.
    const unknownMail = mails.find((m) => m.to[0] === 'nobody@example.com');
    assert.ok(!unknownMail!.links.some((l) => l.includes(paths.magicLinkOpen(TENANT))));
    assert.ok(unknownMail!.links.some((l) => l.includes(paths.accessRequestConfirm(TENANT))));
    const mail = mails.find((m) => m.to[0] === 'known.agent@example.com');
    assert.match(mail!.subject, /sign-in link/i);
    assert.ok(
      mail!.text.includes(linkIn(mail!).href) && mail!.html.includes('magic-link/open'),
      'both parts',
    );
    assert.match(linkIn(mail!).hash, /^#token=dgm_[A-Za-z0-9_-]{43}$/);
    assert.equal(linkIn(mail!).search, '?locale=en-US', 'the token is in the fragment only');
    assert.ok(!h.logs.join('\n').includes(linkIn(mail!).hash.slice(7)), 'the token is never logged');
    assert.ok(!h.logs.join('\n').includes('nobody@example.com'), 'nor the email');
  });

  it('also takes JSON, with the same body whatever the email', async () => {
    const a = await chooser();
    const b = await chooser();
    const one = await ask(a.popup, { email: KNOWN, attempt: a.attempt.attemptId }, { json: true });
    const two = await ask(b.popup, { email: 'x@example.com', attempt: b.attempt.attemptId }, { json: true });
    assert.deepEqual(
      [one.status, await one.json(), two.status, await two.json()],
      [202, { status: 'accepted' }, 202, { status: 'accepted' }],
    );
    await deliver();
  });

  it('refuses garbage emails with 400 email_invalid, and sends nothing', async () => {
    const { popup, attempt } = await chooser();
    for (const email of ['', 'agent', 'a@b', 'agent@example.com<x>', 'a b@example.com'])
      assert.equal(
        await errorCode(await ask(popup, { email, attempt: attempt.attemptId })),
        'email_invalid',
        email,
      );
    assert.deepEqual(await deliver(), []);
  });

  it('needs a live attempt of this browser, from our own page, on a tenant that enabled it', async () => {
    const { popup, attempt } = await chooser();
    assert.equal(await errorCode(await ask(popup, { email: KNOWN, attempt: 'nope' })), 'attempt_not_found');
    assert.equal(
      await errorCode(await ask(new Jar(), { email: KNOWN, attempt: attempt.attemptId })),
      'sso_browser_mismatch',
    );
    const crossSite = await ask(
      popup,
      { email: KNOWN, attempt: attempt.attemptId },
      { headers: { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' } },
    );
    assert.equal(crossSite.status, 403);
    assert.equal(await errorCode(crossSite), 'origin_not_allowed');
    assert.deepEqual(await deliver(), []);
  });

  it('limits requests per email, known or not, with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { popup, attempt } = await chooser();
      const response = await ask(popup, { email: 'limited@example.com', attempt: attempt.attemptId });
      statuses.push(response.status);
      if (response.status === 429) assert.ok(Number(response.headers.get('retry-after')) > 0);
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    await deliver();
  });
});

describe('the emailed link', () => {
  async function linkFor(email = KNOWN) {
    const flow = await chooser();
    assert.equal((await ask(flow.popup, { email, attempt: flow.attempt.attemptId })).status, 202);
    const [mail] = await deliver();
    return { ...flow, link: linkIn(mail!) };
  }

  it('GET (and HEAD) render a button and change nothing: no cookie, the link still works', async () => {
    const { link, popup, verifier, attempt, sdkJar } = await linkFor();
    for (const method of ['GET', 'HEAD']) {
      const page = await h.page(`${link.pathname}${link.search}`, new Jar(), { method });
      assert.equal(page.status, 200, method);
      assert.deepEqual(page.headers.getSetCookie(), [], method);
      if (method === 'GET')
        assert.match(await page.text(), /<form id="magic-link" method="post"[^>]*data-fragment-token>/);
    }
    const used = await open(link, popup);
    assert.equal(used.status, 303);
    const complete = await h.page(used.headers.get('location')!, popup);
    const proof = proofFrom(await complete.text());
    const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof },
      jar: sdkJar,
    });
    const body = (await redeem.json()) as RedeemAttemptResponse;
    assert.equal(body.status, 'signed_in');
    assert.equal(body.status === 'signed_in' && body.session.user.id, knownId);
  });

  it('is single use, also under concurrent use', async () => {
    const { link, popup } = await linkFor();
    const results = await Promise.all(Array.from({ length: 6 }, () => open(link, popup)));
    assert.deepEqual(results.map((r) => r.status).sort(), [303, 400, 400, 400, 400, 400]);
    assert.equal(await errorCode(await open(link, popup)), 'magic_link_invalid');
  });

  it('in another browser finishes only by the overlay’s code: no proof on its completion page', async () => {
    const { link } = await linkFor();
    const elsewhere = new Jar();
    const used = await open(link, elsewhere);
    assert.equal(used.status, 303);
    const complete = await h.page(used.headers.get('location')!, elsewhere);
    assert.equal(complete.status, 200);
    const html = await complete.text();
    assert.doesNotMatch(html, /deskgate-data/);
    assert.match(html, /<form id="confirm"/);
  });

  it('a newer link replaces the older; an expired one is refused', async () => {
    const flow = await chooser();
    await ask(flow.popup, { email: KNOWN, attempt: flow.attempt.attemptId });
    const [older] = await deliver();
    smtp.clear();
    await ask(flow.popup, { email: KNOWN, attempt: flow.attempt.attemptId });
    const [newer] = await deliver();
    assert.equal(await errorCode(await open(linkIn(older!), flow.popup)), 'magic_link_invalid');
    const expiring = await linkFor();
    h.advance(600_000);
    assert.equal(await errorCode(await open(expiring.link, expiring.popup)), 'magic_link_invalid');
    assert.equal(
      await errorCode(await open(linkIn(newer!), flow.popup)),
      'magic_link_invalid',
      'expired too',
    );
  });

  it('is refused on another tenant’s path, and stays usable on its own', async () => {
    await new TenantService(h.store, h.deps.keys, h.now).save(
      { code: 'other', allowedOrigins: [], magicLink: { enabled: true } },
      'create',
    );
    const { link, popup } = await linkFor();
    const token = link.hash.slice('#token='.length);
    const foreign = await h.page(paths.magicLinkOpen('other'), new Jar(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ token }).toString(),
      ip: nextIp(),
    });
    assert.equal(await errorCode(foreign), 'magic_link_invalid');
    assert.equal((await open(link, popup)).status, 303, 'not used up by the other tenant');
  });

  it('takes the email as typed in any case, width or spacing: one user, one link', async () => {
    const { popup, attempt } = await chooser();
    const asked = await ask(popup, { email: '  ＫＮＯＷＮ.agent@EXAMPLE.com ', attempt: attempt.attemptId });
    assert.equal(asked.status, 202);
    const mails = await deliver();
    assert.deepEqual(
      mails.map((m) => m.to),
      [['known.agent@example.com']],
    );
    assert.match(mails[0]!.subject, /sign-in link/i);
  });

  it('refuses garbage, session tokens and cross-site posts without using the link', async () => {
    const { link, popup } = await linkFor();
    for (const token of ['', 'dgm_short', `dgx_${'A'.repeat(43)}`, `dgm_${'A'.repeat(43)}`]) {
      const response = await h.page(`${link.pathname}`, new Jar(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ token }).toString(),
        ip: nextIp(),
      });
      assert.equal(await errorCode(response), 'magic_link_invalid', token);
    }
    const crossSite = await h.page(`${link.pathname}`, popup, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.test',
        'sec-fetch-site': 'cross-site',
      },
      body: new URLSearchParams({ token: link.hash.slice(7) }).toString(),
    });
    assert.equal(await errorCode(crossSite), 'origin_not_allowed');
    assert.equal((await open(link, popup)).status, 303, 'still unused');
  });
});

describe('the outbox', () => {
  it('keeps the mail while SMTP is down and delivers it once when it is back', async () => {
    smtp.setAccepting(false);
    const flow = await chooser();
    await ask(flow.popup, { email: KNOWN, attempt: flow.attempt.attemptId });
    assert.deepEqual(await deliver(), []);
    const [pending] = (await h.store.listMail({ failed: true, limit: 10 })).filter((m) => m.sentAt === null);
    assert.ok(
      pending && pending.attempts === 1 && pending.bodyEncrypted,
      'kept, sealed, with one failed try',
    );
    smtp.setAccepting(true);
    h.advance(60_000);
    await worker.runOnce();
    await worker.runOnce();
    assert.equal(smtp.messages().length, 1);
    assert.ok(linkIn(smtp.messages()[0]!));
  });
});
