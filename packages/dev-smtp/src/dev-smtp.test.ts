// The dev SMTP server captures what a real client (nodemailer) sends: headers, both parts, links; its page
// escapes what it shows; setAccepting(false) makes it refuse mail with a temporary error, as a server that is down.
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { type CapturedMail, type DevSmtp, extractLinks, startDevSmtp } from './index.ts';

let smtp: DevSmtp;

beforeAll(async () => {
  smtp = await startDevSmtp();
});
afterAll(() => smtp.close());
beforeEach(() => {
  smtp.setAccepting(true);
  smtp.clear();
});

function transport() {
  return nodemailer.createTransport({ url: smtp.smtpUrl, connectionTimeout: 2_000, greetingTimeout: 2_000 });
}

const LINK = 'https://auth.example.com/t/acme/auth/magic-link/abc?x=1&y=2';

async function send(overrides: Record<string, unknown> = {}) {
  return transport().sendMail({
    from: 'Deepdesk sign-in <no-reply@deskgate.invalid>',
    to: 'Agent.One@Example.com',
    subject: 'Je inloglink – één keer',
    text: `Open this link: ${LINK}.\nOr read https://docs.example.com/help (docs).`,
    html: `<p>Open <a href="${LINK.replace('&', '&amp;')}">this link</a>.</p><p>https://other.example.com/page</p>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
    ...overrides,
  });
}

describe('startDevSmtp', () => {
  it('listens on loopback and publishes its URLs', () => {
    assert.match(smtp.smtpUrl, /^smtp:\/\/127\.0\.0\.1:\d+$/);
    assert.match(smtp.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('captures a message: envelope, decoded headers, both parts and every link once', async () => {
    const info = await send();
    const mail = await smtp.waitFor((m) => m.subject.startsWith('Je inloglink'), 5_000);
    // The envelope as the client sent it (nodemailer lowercases the domain only).
    assert.deepEqual(mail.to, ['Agent.One@example.com']);
    assert.equal(mail.from, '"Deepdesk sign-in" <no-reply@deskgate.invalid>');
    assert.equal(mail.subject, 'Je inloglink – één keer');
    assert.equal(mail.headers.subject, 'Je inloglink – één keer');
    assert.equal(mail.headers['auto-submitted'], 'auto-generated');
    assert.equal(mail.headers['message-id'], info.messageId);
    assert.match(mail.headers['content-type'] ?? '', /^multipart\/alternative/);
    assert.match(mail.text, /^Open this link: https:\/\/auth\.example\.com/);
    assert.match(mail.html, /<a href="https:\/\/auth\.example\.com[^"]+&amp;y=2">this link<\/a>/);
    assert.deepEqual(mail.links, [LINK, 'https://docs.example.com/help', 'https://other.example.com/page']);
    assert.ok(Date.parse(mail.receivedAt) <= Date.now());
    assert.deepEqual(smtp.messages(), [mail]);
  });

  it('lists newest first, in process and as JSON; DELETE /messages clears', async () => {
    await send({ to: 'first@example.com', subject: 'first' });
    await send({ to: 'second@example.com', subject: 'second' });
    assert.deepEqual(
      smtp.messages().map((m) => m.subject),
      ['second', 'first'],
    );
    const response = await fetch(`${smtp.url}/messages.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const listed = (await response.json()) as CapturedMail[];
    assert.deepEqual(listed, smtp.messages());
    assert.equal((await fetch(`${smtp.url}/messages`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(smtp.messages(), []);
    assert.equal((await fetch(`${smtp.url}/nothing`)).status, 404);
    assert.equal((await fetch(`${smtp.url}/messages.json`, { method: 'POST' })).status, 405);
  });

  it('waitFor resolves with a message that arrives later and rejects after its timeout', async () => {
    const waiting = smtp.waitFor((m) => m.subject === 'later', 5_000);
    await send({ subject: 'later' });
    assert.equal((await waiting).subject, 'later');
    await assert.rejects(
      smtp.waitFor((m) => m.subject === 'never', 50),
      /no matching mail arrived within 50 ms/,
    );
  });

  it('the page lists the messages newest first with their links clickable, everything escaped', async () => {
    await send({ subject: 'older', text: 'nothing here', html: '<p>nothing</p>' });
    await send({
      to: 'x@example.com',
      subject: '<script>alert(1)</script> & "quotes"',
      text: `<img src=x onerror=alert(1)> ${LINK}`,
      html: `<a href="${LINK.replace('&', '&amp;')}">go</a><script>alert(2)</script>`,
    });
    const response = await fetch(smtp.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const page = await response.text();
    assert.ok(!page.includes('<script'), 'no script tag from a message reaches the page');
    assert.ok(!page.includes('<img'), 'no markup from a message reaches the page');
    assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.ok(page.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const escapedLink = LINK.replace('&', '&amp;');
    assert.ok(page.includes(`<a href="${escapedLink}" target="_blank" rel="noreferrer">${escapedLink}</a>`));
    assert.ok(page.indexOf('&lt;script&gt;alert(1)') < page.indexOf('>older<'), 'newest first');
  });

  it('setAccepting(false) refuses mail with a temporary (4xx) error; true accepts again', async () => {
    smtp.setAccepting(false);
    const error = (await send({ subject: 'while down' }).then(
      () => undefined,
      (e: unknown) => e,
    )) as { responseCode?: number; message: string } | undefined;
    assert.ok(error, 'sending fails while the server refuses');
    assert.equal(error.responseCode, 421);
    assert.deepEqual(smtp.messages(), []);

    // Over HTTP too, for a stack whose tests run in other processes.
    const json = { 'content-type': 'application/json' };
    const crossSite = await fetch(`${smtp.url}/accepting`, {
      method: 'POST',
      body: JSON.stringify({ accepting: true }),
    });
    assert.equal(crossSite.status, 415, 'a simple (text/plain) post changes nothing');
    const up = await fetch(`${smtp.url}/accepting`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ accepting: true }),
    });
    assert.deepEqual(await up.json(), { accepting: true });
    await send({ subject: 'after' });
    assert.deepEqual(
      smtp.messages().map((m) => m.subject),
      ['after'],
    );
    const bad = await fetch(`${smtp.url}/accepting`, { method: 'POST', headers: json, body: 'yes' });
    assert.equal(bad.status, 400);
  });

  it('refuses MAIL FROM on a connection opened before it went down', async () => {
    const pooled = nodemailer.createTransport({ url: smtp.smtpUrl, pool: true, maxConnections: 1 });
    try {
      await pooled.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'one', text: 'one' });
      smtp.setAccepting(false);
      await assert.rejects(
        pooled.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'two', text: 'two' }),
        (e: { responseCode?: number }) => e.responseCode === 421,
      );
    } finally {
      pooled.close();
    }
  });
});

describe('extractLinks', () => {
  it('finds http(s) URLs in text and HTML, decodes entities, trims prose punctuation, keeps each once', () => {
    assert.deepEqual(
      extractLinks(
        'See https://a.example/x?y=1. And (https://b.example/p) or ftp://no.example, http://c.example/q).',
        '<a href="https://a.example/x?y=1">a</a><a href=\'https://d.example/?a=1&amp;b=2\'>d</a> https://e.example/(x)',
      ),
      [
        'https://a.example/x?y=1',
        'https://b.example/p',
        'http://c.example/q',
        'https://d.example/?a=1&b=2',
        'https://e.example/(x)',
      ],
    );
  });
});
