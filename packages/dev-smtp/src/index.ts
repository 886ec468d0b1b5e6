// Public surface of @deskgate/dev-smtp: a real SMTP server that captures mail, with a page and a JSON listing.

export { extractLinks } from './links.ts';
export { type CapturedMail, type DevSmtp, type DevSmtpOptions, startDevSmtp } from './server.ts';
