// A real SMTP server that captures mail for the demo and tests (smtp-server + mailparser), and a small HTTP
// side to read it: `/` an HTML page, `/messages.json`, `DELETE /messages`, `POST /accepting`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { extractLinks } from './links.ts';
import { mailboxPage, PAGE_CSP } from './page.ts';

export interface DevSmtpOptions {
  /** Default 127.0.0.1: a loopback tool, no TLS, no auth. */
  host?: string;
  /** 0 (default) picks a free port. */
  smtpPort?: number;
  /** 0 (default) picks a free port. */
  httpPort?: number;
}

/** One message as the server received it. */
export interface CapturedMail {
  id: string;
  /** The From header as written (`Name <address>`), or the envelope sender when there is none. */
  from: string;
  /** The envelope recipients (RCPT TO), as the client gave them. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Header name (lowercase) -> decoded value; a repeated header's values joined by newlines. */
  headers: Record<string, string>;
  /** Every http(s) URL in the text and HTML parts, in order, each once. */
  links: string[];
  /** ISO 8601. */
  receivedAt: string;
}

export interface DevSmtp {
  /** smtp://<host>:<port>, for SMTP_URL. */
  smtpUrl: string;
  /** http://<host>:<port>: the page listing messages; `${url}/messages.json` lists them as JSON. */
  url: string;
  /** Captured messages, newest first. */
  messages(): CapturedMail[];
  /** Resolves with the first message (already captured or arriving) that matches; rejects after the timeout. */
  waitFor(predicate: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  clear(): void;
  /** false: every new connection and every MAIL FROM gets a 421 (a temporary failure), as if SMTP were down. */
  setAccepting(accepting: boolean): void;
  close(): Promise<void>;
}

/** What the server keeps at most (oldest dropped first): a demo tool, not an archive. */
const MAX_MESSAGES = 500;
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const MAX_REQUEST_BYTES = 1024;
const DOWN_MESSAGE = 'Service not available (dev SMTP is refusing mail), try again later';

/** A 4xx reply: nodemailer reports it with `responseCode` and the sender retries later. */
function temporaryError(): Error {
  return Object.assign(new Error(DOWN_MESSAGE), { responseCode: 421 });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The headers as strings: decoded where mailparser decodes them (subject, addresses), raw otherwise. */
function headerStrings(parsed: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, number>();
  for (const { key, line } of parsed.headerLines) {
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    const value = parsed.headers.get(key);
    const raw = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    const one: unknown = Array.isArray(value) ? value[index] : value;
    let text = raw;
    if (typeof one === 'string') text = one;
    else if (one && typeof one === 'object' && 'text' in one && typeof one.text === 'string') text = one.text;
    headers[key] = key in headers ? `${headers[key]}\n${text}` : text;
  }
  return headers;
}

function capture(parsed: ParsedMail, session: SMTPServerSession): CapturedMail {
  const text = parsed.text ?? '';
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  return {
    id: randomUUID(),
    from: parsed.from?.text ?? envelopeFrom,
    to: session.envelope.rcptTo.map((r) => r.address),
    subject: parsed.subject ?? '',
    text,
    html,
    headers: headerStrings(parsed),
    links: extractLinks(text, html),
    receivedAt: new Date().toISOString(),
  };
}

export async function startDevSmtp(options: DevSmtpOptions = {}): Promise<DevSmtp> {
  const host = options.host ?? '127.0.0.1';
  /** Oldest first; the accessors turn it round. */
  const stored: CapturedMail[] = [];
  const waiters = new Set<(mail: CapturedMail) => void>();
  let accepting = true;

  const smtp = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    banner: 'deskgate dev SMTP (captures mail)',
    size: MAX_MESSAGE_BYTES,
    closeTimeout: 1_000,
    onConnect(_session, callback) {
      callback(accepting ? null : temporaryError());
    },
    onMailFrom(_address, _session, callback) {
      callback(accepting ? null : temporaryError());
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('Message too big'), { responseCode: 552 }));
            return;
          }
          const mail = capture(parsed, session);
          stored.push(mail);
          if (stored.length > MAX_MESSAGES) stored.shift();
          for (const waiter of waiters) waiter(mail);
          callback(null, `Captured as ${mail.id}`);
        },
        (error: unknown) => {
          callback(
            Object.assign(new Error(`Cannot parse the message: ${String(error)}`), { responseCode: 451 }),
          );
        },
      );
    },
  });
  // A client that hangs up mid-session is the client's business; it must not crash the demo.
  smtp.on('error', () => {});

  const messages = () => [...stored].reverse();

  const http = createServer((req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://dev-smtp').pathname;
    const method = req.method ?? 'GET';
    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      const body = mailboxPage(messages(), accepting);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': PAGE_CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/messages.json' && (method === 'GET' || method === 'HEAD')) {
      json(res, 200, messages(), method === 'HEAD');
      return;
    }
    if (path === '/messages' && method === 'DELETE') {
      stored.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (path === '/accepting' && method === 'POST') {
      // JSON only: a form or text/plain post from another site (no preflight) cannot take SMTP down.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        json(res, 415, { error: 'send application/json' });
        return;
      }
      const body = await readBody(req);
      const value = (body as { accepting?: unknown } | undefined)?.accepting;
      if (typeof value !== 'boolean') {
        json(res, 400, { error: 'expected {"accepting": true|false}' });
        return;
      }
      accepting = value;
      json(res, 200, { accepting });
      return;
    }
    const known = ['/', '/messages.json', '/messages', '/accepting'].includes(path);
    res.writeHead(known ? 405 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(known ? 'Method not allowed\n' : 'Not found\n');
  }

  await listen((port, cb) => smtp.listen(port, host, cb), smtp.server, options.smtpPort ?? 0);
  try {
    await listen((port, cb) => http.listen(port, host, cb), http, options.httpPort ?? 0);
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const httpPort = (http.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://${hostForUrl(host)}:${smtpPort}`,
    url: `http://${hostForUrl(host)}:${httpPort}`,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      const found = stored.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (mail: CapturedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail arrived within ${timeoutMs} ms (${stored.length} captured)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      stored.length = 0;
    },
    setAccepting(value) {
      accepting = value;
    },
    async close() {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}

function listen(
  start: (port: number, callback: () => void) => unknown,
  server: {
    once(event: 'error', l: (e: Error) => void): unknown;
    off(event: 'error', l: (e: Error) => void): unknown;
  },
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function json(res: ServerResponse, status: number, value: unknown, head = false): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(head ? undefined : `${JSON.stringify(value, null, 2)}\n`);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_REQUEST_BYTES) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
