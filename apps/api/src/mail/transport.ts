// The SMTP transport (nodemailer) from SMTP_URL: smtp://host:port (STARTTLS when offered), smtps://host:465
// (TLS from the start), with user:password@ for AUTH and nodemailer's options as query parameters
// (?requireTLS=true). Short connection and greeting timeouts: a server that is down fails fast and the
// message waits in the outbox for its next try.
import nodemailer, { type Transporter } from 'nodemailer';

/** Connecting, and the server's greeting: a few seconds. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Idle time on a connection mid-send: well inside the worker's lease. */
const SOCKET_TIMEOUT_MS = 20_000;

/** Throws TypeError for a URL that is not smtp:// or smtps:// (without echoing it: it may hold a password). */
export function createSmtpTransport(url: string): Transporter {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('SMTP_URL must be a URL such as smtp://127.0.0.1:1025');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:')
    throw new TypeError(`SMTP_URL must be an smtp:// or smtps:// URL (got ${parsed.protocol}//...)`);
  if (!parsed.hostname) throw new TypeError('SMTP_URL has no host');
  return nodemailer.createTransport({
    url,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    dnsTimeout: CONNECT_TIMEOUT_MS,
  });
}
