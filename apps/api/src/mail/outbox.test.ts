// The outbox end to end: MailService and OutboxWorker on a real SQLite store, sending through nodemailer to a
// real SMTP server on loopback (dev-smtp), which is read back: headers, both parts, links. SMTP down, retries,
// two workers, a body that does not open, and the logs (never a body, a link or a full address).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type DerivedKeys, deriveKeys, type MailRecord, type Store } from '@deskgate/core';
import { type DevSmtp, startDevSmtp } from '@deskgate/dev-smtp';
import { createSqliteStore } from '@deskgate/store';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
import {
  createSmtpTransport,
  DEFAULT_MAIL_FROM,
  describeMailError,
  MailService,
  OutboxWorker,
  type OutboxWorkerOptions,
  retryDelay,
} from './index.ts';

const TOKEN = 'dgm_secret-token-value-0123456789abcdef';
const LINK = `https://auth.example.com/t/acme/auth/magic-link#${TOKEN}`;
const TO = 'Agent.Smith@Example.com';

let smtp: DevSmtp;
let root: string;
let dir: string;
let store: Store;
let keys: DerivedKeys;
let clock: number;
let logs: string[];
const now = () => clock;
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  }),
);

beforeAll(async () => {
  smtp = await startDevSmtp();
  root = await mkdtemp(join(tmpdir(), 'deskgate-mail-'));
});
afterAll(async () => {
  await smtp.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  smtp.clear();
  smtp.setAccepting(true);
  dir = await mkdtemp(join(root, 'store-'));
  store = createSqliteStore({ filename: join(dir, 'deskgate.sqlite') });
  await store.migrate();
  keys = await deriveKeys(crypto.getRandomValues(new Uint8Array(32)));
  clock = Date.parse('2030-01-01T10:00:00Z');
  logs = [];
});
afterEach(() => store.close());

function service(options: { onEnqueued?: () => void } = {}) {
  return new MailService({ store, keys, now, logger, ...options });
}

function worker(options: Partial<OutboxWorkerOptions> = {}) {
  return new OutboxWorker({
    store,
    keys,
    transport: createSmtpTransport(smtp.smtpUrl),
    logger,
    now,
    ...options,
  });
}

function enqueueMagicLink(mail = service(), to = TO) {
  return mail.enqueue({
    tenant: 'acme',
    to,
    template: 'magic-link',
    locale: 'en-US',
    params: { product: 'Deepdesk', tenantName: 'Acme', link: LINK, expiresMinutes: 10 },
  });
}

async function record(id: string): Promise<MailRecord> {
  const found = (await store.listMail({ limit: 1000 })).find((m) => m.id === id);
  assert.ok(found, `outbox row ${id}`);
  return found;
}

describe('MailService', () => {
  it('stores the rendered message with its body sealed, due now, and calls onEnqueued', async () => {
    let kicked = 0;
    const id = await enqueueMagicLink(service({ onEnqueued: () => kicked++ }));
    const row = await record(id);
    assert.equal(kicked, 1);
    assert.equal(row.tenant, 'acme');
    assert.equal(row.to, TO);
    assert.equal(row.template, 'magic-link');
    assert.equal(row.subject, 'Your sign-in link for Deepdesk');
    assert.equal(row.attempts, 0);
    assert.equal(row.nextAttemptAt, clock);
    assert.equal(row.createdAt, clock);
    assert.equal(row.failed, false);
    assert.equal(row.sentAt, null);
    assert.match(row.bodyEncrypted ?? '', /^enc\.v1\./);
    assert.ok(!row.bodyEncrypted?.includes(TOKEN));
    assert.ok(!logs.join('').includes(TOKEN));
  });

  it('refuses a bad link before anything is stored', async () => {
    await assert.rejects(
      service().enqueue({
        tenant: 'acme',
        to: TO,
        template: 'access-request-confirm',
        locale: 'nl-NL',
        params: { product: 'Deepdesk', tenantName: 'Acme', link: 'javascript:alert(1)' },
      }),
      TypeError,
    );
    assert.deepEqual(await store.listMail(), []);
  });
});

describe('OutboxWorker', () => {
  it('delivers over SMTP: both parts, the link, headers; the row is sent and its body cleared', async () => {
    const id = await enqueueMagicLink();
    assert.deepEqual(await worker().runOnce(), { sent: 1, failed: 0 });
    const mail = await smtp.waitFor((m) => m.subject === 'Your sign-in link for Deepdesk', 5_000);
    assert.deepEqual(mail.to, ['Agent.Smith@example.com']);
    assert.equal(mail.from, `"Deepdesk sign-in" <no-reply@deskgate.invalid>`);
    assert.equal(mail.headers['auto-submitted'], 'auto-generated');
    assert.equal(mail.headers['message-id'], `<${id}@deskgate.invalid>`);
    assert.match(mail.headers['content-type'] ?? '', /^multipart\/alternative/);
    assert.ok(mail.text.includes(LINK));
    assert.ok(mail.html.includes(`href="${LINK}"`));
    assert.deepEqual(mail.links, [LINK]);
    const row = await record(id);
    assert.equal(row.sentAt, clock);
    assert.equal(row.bodyEncrypted, null);
    assert.equal(row.leaseUntil, null);
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 0 }, 'nothing left to send');
  });

  it('uses MAIL_FROM', async () => {
    await enqueueMagicLink();
    await worker({ from: 'Acme sign-in <login@acme.example>' }).runOnce();
    const mail = await smtp.waitFor(() => true, 5_000);
    assert.equal(mail.from, '"Acme sign-in" <login@acme.example>');
    assert.match(mail.headers['message-id'] ?? '', /@acme\.example>$/);
  });

  it('SMTP down: the try is recorded with a later next try, nothing lost; up again later: delivered once', async () => {
    const id = await enqueueMagicLink();
    smtp.setAccepting(false);
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 1 });
    let row = await record(id);
    assert.equal(row.attempts, 1);
    assert.equal(row.nextAttemptAt, clock + 15_000);
    assert.equal(row.failed, false);
    assert.equal(row.sentAt, null);
    assert.equal(row.leaseUntil, null);
    assert.match(row.bodyEncrypted ?? '', /^enc\.v1\./, 'the body is kept for the next try');
    assert.match(row.lastError ?? '', /421/);
    assert.deepEqual(await store.listMail({ failed: true }), [row], 'mail list --failed shows it');

    smtp.setAccepting(true);
    clock += 14_999;
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 0 }, 'not before its next try');
    clock += 1;
    assert.deepEqual(await worker().runOnce(), { sent: 1, failed: 0 });
    row = await record(id);
    assert.equal(row.sentAt, clock);
    assert.equal(row.attempts, 1, 'attempts counts the failed tries');
    clock += 60 * 60_000;
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 0 });
    assert.equal(smtp.messages().length, 1, 'delivered exactly once');
  });

  it('backs off 15 s, 30 s, 1 min … at most 1 h, and gives up after maxAttempts', async () => {
    assert.deepEqual(
      [1, 2, 3, 4, 8, 9, 10, 20].map(retryDelay),
      [15_000, 30_000, 60_000, 120_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000],
    );
    const id = await enqueueMagicLink();
    smtp.setAccepting(false);
    const w = worker({ maxAttempts: 3 });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await w.runOnce(), { sent: 0, failed: 1 });
      const row = await record(id);
      waits.push(row.nextAttemptAt - clock);
      clock = row.nextAttemptAt;
    }
    const row = await record(id);
    assert.equal(row.failed, true);
    assert.equal(row.attempts, 3);
    assert.deepEqual(waits.slice(0, 2), [15_000, 30_000]);
    smtp.setAccepting(true);
    clock += 24 * 60 * 60_000;
    assert.deepEqual(await w.runOnce(), { sent: 0, failed: 0 }, 'a given-up message is not tried again');
    assert.match(logs.join(''), /mail given up after too many tries/);
  });

  it('two workers on one store deliver each message once', async () => {
    // Two instances: two store connections to the same database.
    const other = createSqliteStore({ filename: join(dir, 'deskgate.sqlite') });
    try {
      const mail = service();
      const ids = await Promise.all(
        Array.from({ length: 12 }, (_, i) => enqueueMagicLink(mail, `agent${i}@example.com`)),
      );
      const a = worker({ batch: 4 });
      const b = worker({ store: other, batch: 4 });
      let total = 0;
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
        total += results.reduce((sum, r) => sum + r.sent + r.failed, 0);
      }
      assert.equal(total, 12);
      const delivered = smtp.messages().flatMap((m) => m.to);
      assert.equal(delivered.length, 12);
      assert.equal(new Set(delivered).size, 12, 'no message twice');
      for (const id of ids) assert.notEqual((await record(id)).sentAt, null);
    } finally {
      await other.close();
    }
  });

  it('a claimed message is not claimed again until its lease ends', async () => {
    const id = await enqueueMagicLink();
    const claimed = await store.claimMail(clock, clock + 60_000, 10);
    assert.deepEqual(
      claimed.map((m) => m.id),
      [id],
    );
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 0 }, 'another holds it');
    clock += 60_001;
    assert.deepEqual(await worker().runOnce(), { sent: 1, failed: 0 }, 'its holder died: taken over');
  });

  it('gives up at once on a body that cannot be decrypted', async () => {
    const base = {
      tenant: 'acme',
      to: TO,
      template: 'magic-link',
      subject: 'x',
      createdAt: clock,
      attempts: 0,
      nextAttemptAt: clock,
      leaseUntil: null,
      sentAt: null,
      lastError: null,
      failed: false,
    };
    await store.enqueueMail({ ...base, id: 'garbage', bodyEncrypted: 'enc.v1.AAAA.BBBB' });
    const otherKeys = await deriveKeys(crypto.getRandomValues(new Uint8Array(32)));
    const foreign = new MailService({ store, keys: otherKeys, now, logger });
    const foreignId = await enqueueMagicLink(foreign);
    assert.deepEqual(await worker().runOnce(), { sent: 0, failed: 2 });
    for (const id of ['garbage', foreignId]) {
      const row = await record(id);
      assert.equal(row.failed, true);
      assert.equal(row.attempts, 1);
      assert.match(row.lastError ?? '', /cannot be decrypted/);
    }
    assert.deepEqual(smtp.messages(), []);
  });

  it('logs one line per send and per failure: id, template, tenant and domain, never body, link or address', async () => {
    const id = await enqueueMagicLink();
    smtp.setAccepting(false);
    await worker().runOnce();
    smtp.setAccepting(true);
    clock += 15_000;
    await worker().runOnce();
    const lines = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const retry = lines.find((l) => l.msg === 'mail not sent; will retry');
    const sent = lines.find((l) => l.msg === 'mail sent');
    assert.ok(retry && sent);
    for (const line of [retry, sent]) {
      assert.equal(line.mail, id);
      assert.equal(line.template, 'magic-link');
      assert.equal(line.tenant, 'acme');
      assert.equal(line.domain, 'example.com');
    }
    const all = logs.join('');
    for (const secret of [TOKEN, 'Agent.Smith', 'agent.smith', 'Sign in to Deepdesk'])
      assert.ok(!all.includes(secret), `the logs do not carry ${secret}`);
  });

  it('kick() sends a new message at once; stop() waits for the run in progress', async () => {
    const w = worker({ intervalMs: 60_000 });
    w.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await enqueueMagicLink(service({ onEnqueued: () => w.kick() }));
      await smtp.waitFor(() => true, 2_000);
      assert.ok(Date.now() - started < 1_000, 'well before the next poll');
    } finally {
      await w.stop();
    }
    await enqueueMagicLink();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(smtp.messages().length, 1, 'a stopped worker sends nothing');
  });

  it('start() sends what was left in the outbox', async () => {
    await enqueueMagicLink();
    const w = worker({ intervalMs: 60_000 });
    w.start();
    try {
      await smtp.waitFor(() => true, 2_000);
    } finally {
      await w.stop();
    }
  });
});

describe('createSmtpTransport', () => {
  it('fails fast when nothing listens, and refuses a URL that is not smtp(s)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    await assert.rejects(
      createSmtpTransport(`smtp://127.0.0.1:${port}`).sendMail({
        from: DEFAULT_MAIL_FROM,
        to: TO,
        subject: 's',
        text: 't',
      }),
      (error: unknown) => /ECONNREFUSED/.test(describeMailError(error)),
    );
    assert.ok(Date.now() - started < 5_000);
    assert.throws(() => createSmtpTransport('http://mail.example.com'), TypeError);
    assert.throws(() => createSmtpTransport('not a url'), TypeError);
    assert.throws(
      () => createSmtpTransport('https://user:hunter2@mail.example.com'),
      (error: Error) => !error.message.includes('hunter2'),
    );
  });

  it('describeMailError keeps the reason, not the address or a link', () => {
    assert.equal(
      describeMailError(
        Object.assign(new Error('Recipient <agent@example.com> rejected, see https://x.example/a?b'), {
          code: 'EENVELOPE',
          responseCode: 550,
        }),
      ),
      'EENVELOPE 550 Recipient <…@example.com> rejected, see (link)',
    );
  });
});
