// Mail: templates (en-US, nl-NL), the outbox (MailService enqueues, OutboxWorker delivers) and the SMTP
// transport. app.ts builds a MailService from its deps; runtime.ts and main.ts run the worker.
export {
  DEFAULT_MAIL_FROM,
  describeMailError,
  type MailRequest,
  MailService,
  type MailServiceOptions,
  type MailTransport,
  OutboxWorker,
  type OutboxWorkerOptions,
  type OutgoingMail,
  recipientDomain,
  retryDelay,
} from './outbox.ts';
export {
  MAIL_TEMPLATES,
  type MailParams,
  type MailTemplate,
  type RenderedMail,
  renderMail,
} from './templates.ts';
export { createSmtpTransport } from './transport.ts';
