// The "about me" page (GET /t/{tenant}/me, F10): who the signed-in user is, the identity they signed in with
// (its subject is what a manager grants roles by, as Auvious shows it), every identity linked to them, their
// roles and what those allow. Both locales; every value from a user or an IdP is escaped.
import { permissionsOf } from '@deskgate/core';
import type { IdentityRecord, UserRecord } from '@deskgate/core/store';
import type { SessionInfo } from '@deskgate/protocol';
import { roleItem } from './collection.ts';
import type { Locale } from './messages.ts';
import { escapeHtml, fill, layout } from './render.ts';

const en = {
  title: 'About me',
  lead: 'Your account with {tenant} in {product}, as this browser is signed in.',
  name: 'Name',
  email: 'Email',
  userId: 'User id',
  none: 'none',
  signedInWith: 'Signed in with',
  issuer: 'Issuer',
  subject: 'Subject (sub)',
  subjectHint:
    'Your manager gives you roles by this subject. Copy it into your message to them, exactly as shown.',
  identitiesHeading: 'Ways you sign in',
  rolesHeading: 'Your roles',
  permissionsHeading: 'What your roles allow',
  unconfirmed: 'Unconfirmed: no sign-in service or platform vouched for who you are in this session.',
} as const;

type Texts = { [K in keyof typeof en]: string };

const nl: Texts = {
  title: 'Over mij',
  lead: 'Je account bij {tenant} in {product}, zoals deze browser is aangemeld.',
  name: 'Naam',
  email: 'E-mail',
  userId: 'Gebruikers-id',
  none: 'geen',
  signedInWith: 'Aangemeld met',
  issuer: 'Uitgever',
  subject: 'Subject (sub)',
  subjectHint:
    'Je manager geeft je rollen op basis van dit subject. Kopieer het precies zoals het hier staat in je bericht.',
  identitiesHeading: 'Manieren waarop je je aanmeldt',
  rolesHeading: 'Je rollen',
  permissionsHeading: 'Wat je rollen toestaan',
  unconfirmed: 'Niet bevestigd: geen aanmelddienst of platform heeft in deze sessie bevestigd wie je bent.',
};

const TEXTS: Record<Locale, Texts> = { 'en-US': en, 'nl-NL': nl };

function row(label: string, value: string): string {
  return `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>`;
}

const code = (value: string) => `<code>${escapeHtml(value)}</code>`;

export function aboutMePage(
  locale: Locale,
  context: { product: string; tenant: string },
  session: SessionInfo,
  user: UserRecord,
  identities: readonly IdentityRecord[],
): string {
  const t = TEXTS[locale];
  const me = session.user;
  const identity = me.identity;
  // The roles as the server judges them now (the stored user, as this session's method grants them).
  const roles = user.roles.map((role) => roleItem(locale, role));
  const permissions = permissionsOf(user.roles).map((p) => `<li>${code(p)}</li>`);
  const linked = identities.map(
    (i) => `<li>${code(i.issuer)}: <code data-subject>${escapeHtml(i.subject)}</code></li>`,
  );
  const body = `<p>${fill(t.lead, { tenant: context.tenant, product: context.product })}</p>
<dl class="facts">
${row(t.name, escapeHtml(user.name ?? t.none))}
${row(t.email, escapeHtml(user.email ?? t.none))}
${row(t.userId, code(user.id))}
</dl>
${
  identity
    ? `<h2>${escapeHtml(t.signedInWith)}</h2>
<dl class="facts">
${row(t.issuer, code(identity.issuer))}
${row(t.subject, `<code id="subject">${escapeHtml(identity.subject)}</code>`)}
</dl>
<p class="muted">${escapeHtml(t.subjectHint)}</p>`
    : ''
}
${user.confirmed ? '' : `<p class="muted">${escapeHtml(t.unconfirmed)}</p>`}
<h2>${escapeHtml(t.identitiesHeading)}</h2>
<ul>${linked.join('')}</ul>
<h2>${escapeHtml(t.rolesHeading)}</h2>
<ul>${roles.join('')}</ul>
<h2>${escapeHtml(t.permissionsHeading)}</h2>
<ul>${permissions.join('')}</ul>`;
  return layout(locale, t.title, body);
}
