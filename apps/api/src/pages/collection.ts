// The agent's personal collection (GET /t/{tenant}/collection): a first-party page on the API site that an
// outbound link opens (F8). Its texts in both locales, and its two states: signed in, or not. The saved replies
// are sample content; every value that comes from a user is escaped.
import type { ErrorCode, SessionInfo } from '@deskgate/protocol';
import type { Locale } from './messages.ts';
import { escapeHtml, fill, layout } from './render.ts';

interface SavedReply {
  title: string;
  text: string;
}

const en = {
  title: 'Personal collection',
  signedInAs: 'Signed in as {name}',
  signedInAsWithEmail: 'Signed in as {name} ({email})',
  unconfirmed: 'Unconfirmed: no sign-in service or platform vouched for who you are.',
  rolesHeading: 'Your roles',
  noRoles: 'No roles',
  repliesHeading: 'Saved replies',
  repliesLead: 'Your own replies in {product}, ready to paste into a conversation.',
  notSignedInTitle: 'You are not signed in',
  notSignedInLead:
    'Open your personal collection from the agent desktop: its Personal collection button signs you in to this page.',
  notSignedInRetry:
    'Came from there? Then your sign-in has ended: sign in to {product} again on the agent desktop and use the button once more.',
  errorCode: 'Error code',
} as const;

type Texts = { [K in keyof typeof en]: string };

const nl: Texts = {
  title: 'Persoonlijke collectie',
  signedInAs: 'Aangemeld als {name}',
  signedInAsWithEmail: 'Aangemeld als {name} ({email})',
  unconfirmed: 'Niet bevestigd: geen aanmelddienst of platform heeft bevestigd wie je bent.',
  rolesHeading: 'Je rollen',
  noRoles: 'Geen rollen',
  repliesHeading: 'Opgeslagen antwoorden',
  repliesLead: 'Je eigen antwoorden in {product}, klaar om in een gesprek te plakken.',
  notSignedInTitle: 'Je bent niet aangemeld',
  notSignedInLead:
    'Open je persoonlijke collectie vanuit het agentscherm: de knop Persoonlijke collectie meldt je op deze pagina aan.',
  notSignedInRetry:
    'Kwam je daarvandaan? Dan is je aanmelding verlopen: meld je op het agentscherm opnieuw aan bij {product} en gebruik de knop nog eens.',
  errorCode: 'Foutcode',
};

const TEXTS: Record<Locale, Texts> = { 'en-US': en, 'nl-NL': nl };

/** The roles' names; an unknown role is shown by its code alone. */
const ROLE_NAMES: Record<Locale, Record<string, string>> = {
  'en-US': {
    'deepdesk.agent': 'Agent',
    'deepdesk.editor': 'Editor',
    'deepdesk.manager': 'Manager',
    'deepdesk.assistant_editor': 'Assistant editor',
  },
  'nl-NL': {
    'deepdesk.agent': 'Agent',
    'deepdesk.editor': 'Redacteur',
    'deepdesk.manager': 'Manager',
    'deepdesk.assistant_editor': 'Assistent-redacteur',
  },
};

/** Sample content: the demo has no store of replies. */
const SAVED_REPLIES: Record<Locale, readonly SavedReply[]> = {
  'en-US': [
    {
      title: 'Delivery delay',
      text: 'Sorry that your order is taking longer than expected. I checked with the courier: it is on its way and should arrive within two working days.',
    },
    {
      title: 'Change the delivery address',
      text: 'I can change the delivery address as long as the order has not left our warehouse. Which address would you like us to use?',
    },
    {
      title: 'Return label',
      text: 'You will receive a return label by email within the hour. Print it, stick it on the parcel and drop it off at any parcel point.',
    },
    {
      title: 'Closing',
      text: 'Is there anything else I can help you with today? Have a great day!',
    },
  ],
  'nl-NL': [
    {
      title: 'Vertraagde levering',
      text: 'Sorry dat je bestelling langer onderweg is dan verwacht. Ik heb het nagevraagd bij de bezorger: het pakket is onderweg en komt binnen twee werkdagen aan.',
    },
    {
      title: 'Bezorgadres wijzigen',
      text: 'Ik kan het bezorgadres wijzigen zolang de bestelling ons magazijn nog niet heeft verlaten. Naar welk adres mogen we het sturen?',
    },
    {
      title: 'Retourlabel',
      text: 'Je ontvangt binnen een uur een retourlabel per e-mail. Print het, plak het op het pakket en lever het in bij een pakketpunt.',
    },
    {
      title: 'Afsluiting',
      text: 'Kan ik je vandaag nog ergens anders mee helpen? Fijne dag nog!',
    },
  ],
};

/** A role as a list item: its name in the page's language (when known) and its code. */
export function roleItem(locale: Locale, role: string): string {
  const label = ROLE_NAMES[locale][role];
  return `<li>${label ? `${escapeHtml(label)} ` : ''}<code>${escapeHtml(role)}</code></li>`;
}

export function collectionTexts(locale: Locale): Texts {
  return TEXTS[locale];
}

/** The signed-in page: who the agent is, their roles and their saved replies. */
export function collectionPage(locale: Locale, product: string, session: SessionInfo): string {
  const t = TEXTS[locale];
  const { user } = session;
  const name = user.name ?? user.email ?? user.id;
  const who =
    user.email && user.email !== name
      ? fill(t.signedInAsWithEmail, { name, email: user.email })
      : fill(t.signedInAs, { name });
  const roles = user.roles.length
    ? user.roles.map((role) => roleItem(locale, role)).join('\n')
    : `<li>${escapeHtml(t.noRoles)}</li>`;
  const replies = SAVED_REPLIES[locale]
    .map((reply) => `<li><h3>${escapeHtml(reply.title)}</h3>\n<p>${escapeHtml(reply.text)}</p></li>`)
    .join('\n');
  return layout(
    locale,
    t.title,
    `<p data-agent>${who}</p>
${user.confirmed ? '' : `<p class="muted">${escapeHtml(t.unconfirmed)}</p>\n`}<h2>${escapeHtml(t.rolesHeading)}</h2>
<ul data-roles>
${roles}
</ul>
<h2>${escapeHtml(t.repliesHeading)}</h2>
<p>${fill(t.repliesLead, { product })}</p>
<ul data-saved-replies>
${replies}
</ul>`,
  );
}

/** Any session error: the page says the agent is not signed in, and where to open it from. */
export function notSignedInPage(locale: Locale, product: string, code: ErrorCode): string {
  const t = TEXTS[locale];
  return layout(
    locale,
    t.notSignedInTitle,
    `<p role="alert" data-error-code="${escapeHtml(code)}">${escapeHtml(t.notSignedInLead)}</p>
<p>${fill(t.notSignedInRetry, { product })}</p>
<p class="muted">${escapeHtml(t.errorCode)}: <code>${escapeHtml(code)}</code></p>`,
  );
}
