// The mail deskgate sends, in en-US and nl-NL: pure functions from a template and its parameters to
// `{ subject, text, html }`. The HTML is one inline-styled column with no external resources; every link is
// also shown as text. Parameters are escaped; links must be http(s) URLs.
import type { Locale } from '../pages/messages.ts';

/** Each template's parameters. `product` is the widget's name (Deepdesk), `tenantName` the tenant's. */
export interface MailParams {
  /** A sign-in link (docs/magic-link.md). */
  'magic-link': { product: string; tenantName: string; link: string; expiresMinutes: number };
  /** To the agent who asked for access: confirm the request (the link's page asks before it acts). */
  'access-request-confirm': { product: string; tenantName: string; link: string };
  /** To each approver: someone asks for access; the link is the approval page. */
  'access-request-notify': { product: string; tenantName: string; requester: string; link: string };
  /** To the agent: approved; with `link`, a sign-in link is part of the mail. */
  'access-request-approved': { product: string; tenantName: string } & (
    | { link?: undefined; expiresMinutes?: undefined }
    | { link: string; expiresMinutes: number }
  );
  /** To the agent: not approved (neutral wording). */
  'access-request-rejected': { product: string; tenantName: string };
}

export type MailTemplate = keyof MailParams;

export const MAIL_TEMPLATES = [
  'magic-link',
  'access-request-confirm',
  'access-request-notify',
  'access-request-approved',
  'access-request-rejected',
] as const satisfies readonly MailTemplate[];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What a template says, as paragraphs; `button` is the one link the mail is about. */
interface Copy {
  subject: string;
  lead: string[];
  button?: { label: string; link: string };
  /** After the button. */
  after: string[];
}

type Texts = { [T in MailTemplate]: (p: MailParams[T]) => Copy };

const EN: Texts = {
  'magic-link': (p) => ({
    subject: `Your sign-in link for ${p.product}`,
    lead: [`Use this link to sign in to ${p.product} for ${p.tenantName}.`],
    button: { label: `Sign in to ${p.product}`, link: p.link },
    after: [
      `The link works once, for ${minutes(p.expiresMinutes, 'en-US')}. It opens a page with a button: you are signed in only when you press it.`,
      'If you did not ask to sign in, you can ignore this email.',
    ],
  }),
  'access-request-confirm': (p) => ({
    subject: `Confirm your request for access to ${p.product}`,
    lead: [
      `Someone asked for access to ${p.product} for ${p.tenantName} with this email address.`,
      'If that was you, open this link and confirm. Your request then goes to your managers.',
    ],
    button: { label: 'Confirm my request', link: p.link },
    after: ['If you did not ask for access, you can ignore this email. No request is sent.'],
  }),
  'access-request-notify': (p) => ({
    subject: `${p.requester} asks for access to ${p.product}`,
    lead: [`${p.requester} asks for access to ${p.product} for ${p.tenantName}.`],
    button: { label: 'Review the request', link: p.link },
    after: [
      'You sign in to approve or reject it. Approving makes them an agent of your organisation: only approve people you know.',
    ],
  }),
  'access-request-approved': (p) => ({
    subject: `Your access to ${p.product} was approved`,
    lead: [`Your request for access to ${p.product} for ${p.tenantName} was approved.`],
    ...(p.link === undefined
      ? {
          after: [
            `Go back to ${p.product}, click Sign in and choose "Email me a sign-in link": the link now comes at once.`,
          ],
        }
      : {
          button: { label: `Sign in to ${p.product}`, link: p.link },
          after: [
            `The link works once, for ${minutes(p.expiresMinutes, 'en-US')}. After that, go back to ${p.product} and sign in.`,
          ],
        }),
  }),
  'access-request-rejected': (p) => ({
    subject: `Your request for access to ${p.product}`,
    lead: [`Your request for access to ${p.product} for ${p.tenantName} was not approved.`],
    after: ['If you think this is a mistake, ask your manager.'],
  }),
};

const NL: Texts = {
  'magic-link': (p) => ({
    subject: `Je aanmeldlink voor ${p.product}`,
    lead: [`Met deze link meld je je aan bij ${p.product} voor ${p.tenantName}.`],
    button: { label: `Aanmelden bij ${p.product}`, link: p.link },
    after: [
      `De link werkt één keer, ${minutes(p.expiresMinutes, 'nl-NL')} lang. Hij opent een pagina met een knop: je bent pas aangemeld als je op die knop drukt.`,
      'Heb je niet gevraagd om je aan te melden? Dan kun je deze e-mail negeren.',
    ],
  }),
  'access-request-confirm': (p) => ({
    subject: `Bevestig je aanvraag voor toegang tot ${p.product}`,
    lead: [
      `Iemand heeft met dit e-mailadres toegang gevraagd tot ${p.product} voor ${p.tenantName}.`,
      'Was jij dat? Open dan deze link en bevestig. Je aanvraag gaat daarna naar je managers.',
    ],
    button: { label: 'Mijn aanvraag bevestigen', link: p.link },
    after: [
      'Heb je geen toegang gevraagd? Dan kun je deze e-mail negeren. Er wordt geen aanvraag verstuurd.',
    ],
  }),
  'access-request-notify': (p) => ({
    subject: `${p.requester} vraagt toegang tot ${p.product}`,
    lead: [`${p.requester} vraagt toegang tot ${p.product} voor ${p.tenantName}.`],
    button: { label: 'Aanvraag bekijken', link: p.link },
    after: [
      'Je meldt je aan om de aanvraag goed of af te keuren. Goedkeuren maakt deze persoon agent van je organisatie: keur alleen mensen goed die je kent.',
    ],
  }),
  'access-request-approved': (p) => ({
    subject: `Je toegang tot ${p.product} is goedgekeurd`,
    lead: [`Je aanvraag voor toegang tot ${p.product} voor ${p.tenantName} is goedgekeurd.`],
    ...(p.link === undefined
      ? {
          after: [
            `Ga terug naar ${p.product}, klik op Aanmelden en kies "Stuur mij een aanmeldlink": de link komt nu meteen.`,
          ],
        }
      : {
          button: { label: `Aanmelden bij ${p.product}`, link: p.link },
          after: [
            `De link werkt één keer, ${minutes(p.expiresMinutes, 'nl-NL')} lang. Ga daarna terug naar ${p.product} en meld je aan.`,
          ],
        }),
  }),
  'access-request-rejected': (p) => ({
    subject: `Je aanvraag voor toegang tot ${p.product}`,
    lead: [`Je aanvraag voor toegang tot ${p.product} voor ${p.tenantName} is niet goedgekeurd.`],
    after: ['Denk je dat dit een vergissing is? Vraag het je manager.'],
  }),
};

const TEXTS: Record<Locale, Texts> = { 'en-US': EN, 'nl-NL': NL };

const FOOTER: Record<Locale, (product: string) => string> = {
  'en-US': (product) => `This is an automatic email from ${product}. Replies are not read.`,
  'nl-NL': (product) => `Dit is een automatische e-mail van ${product}. Antwoorden worden niet gelezen.`,
};

const LINK_HINT: Record<Locale, string> = {
  'en-US': 'If the button does not work, copy this address into your browser:',
  'nl-NL': 'Werkt de knop niet? Kopieer dan dit adres naar je browser:',
};

function minutes(n: number, locale: Locale): string {
  if (!Number.isInteger(n) || n < 1) throw new TypeError('expiresMinutes must be a whole number of minutes');
  if (locale === 'nl-NL') return n === 1 ? '1 minuut' : `${n} minuten`;
  return n === 1 ? '1 minute' : `${n} minutes`;
}

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A link in a mail must be an absolute http(s) URL (built from the public base URL by the caller). */
function checkLink(link: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new TypeError('a mail link must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('a mail link must be an http(s) URL');
}

/** One line: a subject never carries a line break (header injection) or runs of spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const FONT = 'font-family:Arial,Helvetica,sans-serif;';

function textPart(copy: Copy, locale: Locale, product: string): string {
  const parts = [...copy.lead];
  if (copy.button) parts.push(copy.button.link);
  parts.push(...copy.after, `-- \n${FOOTER[locale](product)}`);
  return `${parts.join('\n\n')}\n`;
}

function htmlPart(copy: Copy, locale: Locale, product: string, subject: string): string {
  const p = (text: string) =>
    `<p style="margin:0 0 16px;${FONT}font-size:16px;line-height:24px;color:#1d2330;">${escapeHtml(text)}</p>`;
  const button = copy.button
    ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px;"><tr><td style="border-radius:6px;background:#1d4ed8;">` +
      `<a href="${escapeHtml(copy.button.link)}" style="display:inline-block;padding:12px 22px;${FONT}font-size:16px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;">${escapeHtml(copy.button.label)}</a>` +
      `</td></tr></table>` +
      `<p style="margin:0 0 16px;${FONT}font-size:13px;line-height:20px;color:#5b6475;">${escapeHtml(LINK_HINT[locale])}<br>` +
      `<a href="${escapeHtml(copy.button.link)}" style="color:#1d4ed8;word-break:break-all;">${escapeHtml(copy.button.link)}</a></p>`
    : '';
  return `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f5f7;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:560px;background:#ffffff;border:1px solid #d9dde5;border-radius:8px;"><tr><td style="padding:28px 28px 12px;">
<h1 style="margin:0 0 20px;${FONT}font-size:20px;line-height:28px;color:#1d2330;">${escapeHtml(subject)}</h1>
${copy.lead.map(p).join('\n')}
${button}
${copy.after.map(p).join('\n')}
</td></tr></table>
<p style="margin:16px 0 0;${FONT}font-size:12px;line-height:18px;color:#5b6475;">${escapeHtml(FOOTER[locale](product))}</p>
</td></tr></table>
</body>
</html>
`;
}

/** Renders a template in a locale; throws TypeError for a link that is not an http(s) URL. */
export function renderMail<T extends MailTemplate>(
  template: T,
  locale: Locale,
  params: MailParams[T],
): RenderedMail {
  const write = TEXTS[locale]?.[template] as ((p: MailParams[T]) => Copy) | undefined;
  if (!write) throw new TypeError(`unknown mail template ${template} or locale ${locale}`);
  const copy = write(params);
  if (copy.button) checkLink(copy.button.link);
  const subject = oneLine(copy.subject);
  return {
    subject,
    text: textPart(copy, locale, params.product),
    html: htmlPart(copy, locale, params.product, subject),
  };
}
