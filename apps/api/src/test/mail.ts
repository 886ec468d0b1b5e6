// Reading the mail the API sends, for integration tests: a real SMTP server on loopback (dev-smtp) and the
// outbox worker the runtime would run, driven by hand.
import { type DevSmtp, startDevSmtp } from '@deskgate/dev-smtp';
import pino from 'pino';
import { createSmtpTransport, OutboxWorker } from '../mail/index.ts';
import type { Harness } from './harness.ts';

export interface MailCapture {
  smtp: DevSmtp;
  worker: OutboxWorker;
  /** Lets the requests' after-the-answer work finish, runs the outbox once, and returns every mail (newest first). */
  deliver(): Promise<ReturnType<DevSmtp['messages']>>;
  close(): Promise<void>;
}

export async function captureMail(h: Harness): Promise<MailCapture> {
  const smtp = await startDevSmtp();
  const worker = new OutboxWorker({
    store: h.store,
    keys: h.deps.keys,
    transport: createSmtpTransport(smtp.smtpUrl),
    logger: pino({ level: 'silent' }),
    now: h.now,
  });
  return {
    smtp,
    worker,
    async deliver() {
      await h.idle();
      await worker.runOnce();
      return smtp.messages();
    },
    close: () => smtp.close(),
  };
}
