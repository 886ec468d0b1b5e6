// `mail list`: the mail outbox (docs/operations.md), newest first. Never a body: it is sealed, and cleared once
// the message is sent.
import type { MailRecord } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import { UsageError, type Values } from './commands.ts';

const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

export type MailState = 'sent' | 'pending' | 'failed';

export function mailState(mail: MailRecord): MailState {
  return mail.sentAt !== null ? 'sent' : mail.failed ? 'failed' : 'pending';
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new UsageError(
      `mail list: --limit takes a number from 1 to ${MAX_LIMIT}, not "${value}"`,
      'mail list',
    );
  return limit;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function runMail(
  values: Values,
  runtime: Runtime,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const limit = parseLimit(values.limit);
  const list = await runtime.store.listMail({ failed: values.failed === true, limit });
  if (values.json) {
    io.out(
      JSON.stringify(
        list.map((m) => ({
          id: m.id,
          createdAt: iso(m.createdAt),
          to: m.to,
          template: m.template,
          tenant: m.tenant,
          subject: m.subject,
          attempts: m.attempts,
          state: mailState(m),
          nextAttemptAt: mailState(m) === 'pending' ? iso(m.nextAttemptAt) : null,
          sentAt: iso(m.sentAt),
          lastError: m.lastError,
        })),
      ),
    );
    return 0;
  }
  for (const m of list) {
    io.out(
      [
        iso(m.createdAt),
        m.id,
        m.to,
        m.template,
        m.tenant ?? '-',
        String(m.attempts),
        mailState(m),
        m.lastError?.replace(/\s+/g, ' ') ?? '-',
      ].join('\t'),
    );
  }
  if (list.length === limit) io.note(`showing the newest ${limit}; --limit N shows more`);
  return 0;
}
