// The access-request pages (F3, D2; docs/magic-link.md): where the requester's confirm link lands and what
// the button answers, and the approval page an approver opens from their mail. Their texts in both locales;
// every value that comes from a user is escaped.
import type { AccessRequestRecord, UserRecord } from '@deskgate/core';
import type { ErrorCode } from '@deskgate/protocol';
import type { Locale } from './messages.ts';
import { escapeHtml, fill, fragmentTokenForm, layout } from './render.ts';

const en = {
  confirmTitle: 'Confirm your request for access',
  confirmLead:
    'You asked for access to {product} for {tenant}. Confirm, and your request goes to the managers of {tenant}.',
  confirmButton: 'Confirm my request',
  confirmMissing:
    'This link is incomplete. Copy the whole link from the email, or ask for access again from the sign-in window.',
  sentTitle: 'Request sent',
  sentLead: 'Your request went to the managers of {tenant}. When one of them decides, you get an email.',
  sentNext:
    'Once it is approved, go back to {product}, sign in and choose “Email me a sign-in link”: this time the link comes at once. You can close a sign-in window that still waits for your email.',
  nobodyTitle: 'Request confirmed',
  nobodyLead:
    'Your request is confirmed, but {tenant} has nobody set up yet to approve it. Ask your manager: the request stays open until {expires}.',
  waitingTitle: 'Request waiting for a manager',
  waitingLead:
    'Your request is already confirmed and waits for a manager of {tenant}. When one of them decides, you get an email.',
  decidedTitle: 'Request decided',
  decidedLead: 'A manager of {tenant} has already decided on your request. You got an email about it.',
  reviewTitle: 'Request for access',
  reviewLead: '{email} asks for access to {product} for {tenant}.',
  email: 'Email',
  status: 'Status',
  asked: 'Asked',
  confirmed: 'Confirmed',
  expires: 'Open until',
  pending: 'Waiting for a decision',
  approved: 'Approved',
  rejected: 'Not approved',
  reviewWarning: 'Approving makes this person an agent of {tenant}: only approve people you know.',
  approveButton: 'Approve',
  rejectButton: 'Reject',
  approvedBy: 'Approved by {who} on {when}.',
  rejectedBy: 'Rejected by {who} on {when}.',
  approvedNext:
    '{email} is now an agent of {tenant} and got an email saying so. To sign in, they go back to {product}, click sign in and ask for a sign-in link by email, which now comes at once.',
  rejectedNext: '{email} got an email saying that the request was not approved.',
  signedInAs: 'Signed in as {who}.',
  errorTitle: 'Request for access',
  errorCode: 'Error code',
} as const;

type Texts = { [K in keyof typeof en]: string };

const nl: Texts = {
  confirmTitle: 'Bevestig je aanvraag voor toegang',
  confirmLead:
    'Je hebt toegang gevraagd tot {product} voor {tenant}. Bevestig, en je aanvraag gaat naar de managers van {tenant}.',
  confirmButton: 'Mijn aanvraag bevestigen',
  confirmMissing:
    'Deze link is onvolledig. Kopieer de hele link uit de e-mail, of vraag opnieuw toegang aan in het aanmeldvenster.',
  sentTitle: 'Aanvraag verstuurd',
  sentLead:
    'Je aanvraag is naar de managers van {tenant} gestuurd. Zodra een van hen een besluit neemt, krijg je een e-mail.',
  sentNext:
    'Is hij goedgekeurd? Ga dan terug naar {product}, meld je aan en kies “Stuur mij een aanmeldlink”: dan komt de link meteen. Een aanmeldvenster dat nog op je e-mail wacht, kun je sluiten.',
  nobodyTitle: 'Aanvraag bevestigd',
  nobodyLead:
    'Je aanvraag is bevestigd, maar bij {tenant} is nog niemand ingesteld om hem goed te keuren. Vraag het je manager: de aanvraag blijft open tot {expires}.',
  waitingTitle: 'Aanvraag wacht op een manager',
  waitingLead:
    'Je aanvraag is al bevestigd en wacht op een manager van {tenant}. Zodra een van hen een besluit neemt, krijg je een e-mail.',
  decidedTitle: 'Besluit genomen',
  decidedLead:
    'Een manager van {tenant} heeft al over je aanvraag besloten. Je hebt daarover een e-mail gekregen.',
  reviewTitle: 'Aanvraag voor toegang',
  reviewLead: '{email} vraagt toegang tot {product} voor {tenant}.',
  email: 'E-mailadres',
  status: 'Status',
  asked: 'Aangevraagd',
  confirmed: 'Bevestigd',
  expires: 'Open tot',
  pending: 'Wacht op een besluit',
  approved: 'Goedgekeurd',
  rejected: 'Niet goedgekeurd',
  reviewWarning: 'Goedkeuren maakt deze persoon agent van {tenant}: keur alleen mensen goed die je kent.',
  approveButton: 'Goedkeuren',
  rejectButton: 'Afwijzen',
  approvedBy: 'Goedgekeurd door {who} op {when}.',
  rejectedBy: 'Afgewezen door {who} op {when}.',
  approvedNext:
    '{email} is nu agent van {tenant} en heeft daarover een e-mail gekregen. Om zich aan te melden gaat deze persoon terug naar {product}, klikt op aanmelden en vraagt een aanmeldlink per e-mail aan, die nu meteen komt.',
  rejectedNext: '{email} heeft een e-mail gekregen dat de aanvraag niet is goedgekeurd.',
  signedInAs: 'Aangemeld als {who}.',
  errorTitle: 'Aanvraag voor toegang',
  errorCode: 'Foutcode',
};

const TEXTS: Record<Locale, Texts> = { 'en-US': en, 'nl-NL': nl };

/** The errors these pages explain themselves, in the page's language. */
const ERROR_TEXT: Record<Locale, Partial<Record<ErrorCode, string>>> = {
  'en-US': {
    access_request_invalid:
      'This confirm link is no longer valid: a newer request for the same email replaced it, or it is incomplete. Ask for access again from the {product} sign-in window.',
    access_request_expired:
      'This request for access has expired: requests stay open for 7 days. To get access, ask again from the {product} sign-in window.',
    access_request_not_found: 'There is no such request for access at {tenant}.',
    access_request_decided: 'This request for access was already decided.',
    permission_denied:
      'Only the managers of {tenant} can approve or reject requests for access. Signed in as {who}.',
  },
  'nl-NL': {
    access_request_invalid:
      'Deze bevestigingslink is niet meer geldig: een nieuwere aanvraag voor hetzelfde e-mailadres heeft hem vervangen, of hij is onvolledig. Vraag opnieuw toegang aan in het aanmeldvenster van {product}.',
    access_request_expired:
      'Deze aanvraag voor toegang is verlopen: aanvragen blijven 7 dagen open. Vraag opnieuw toegang aan in het aanmeldvenster van {product}.',
    access_request_not_found: 'Er is geen aanvraag voor toegang met dit adres bij {tenant}.',
    access_request_decided: 'Over deze aanvraag voor toegang is al besloten.',
    permission_denied:
      'Alleen de managers van {tenant} kunnen aanvragen voor toegang goed- of afkeuren. Aangemeld als {who}.',
  },
};

/** The codes accessRequestErrorPage explains. */
export const ACCESS_REQUEST_PAGE_ERRORS: ReadonlySet<ErrorCode> = new Set(
  Object.keys(ERROR_TEXT['en-US']) as ErrorCode[],
);

type PageContext = {
  locale: Locale;
  product: string;
  tenant: string;
};

/** A moment in the page's language, in UTC (the page does not know the reader's zone). */
function when(locale: Locale, ms: number): string {
  const text = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(ms);
  return `<time datetime="${new Date(ms).toISOString()}">${escapeHtml(`${text} UTC`)}</time>`;
}

/** As fill(), with some placeholders taken as HTML the page built itself (a <time> element). */
function fillHtml(template: string, values: Record<string, string>, html: Record<string, string>): string {
  return escapeHtml(template).replace(
    /\{(\w+)\}/g,
    (_, key: string) => html[key] ?? escapeHtml(values[key] ?? ''),
  );
}

/** A user as the pages name them. */
export function userLabel(user: Pick<UserRecord, 'id' | 'name' | 'email'> | undefined, id: string): string {
  if (!user) return id;
  if (user.name && user.email) return `${user.name} (${user.email})`;
  return user.name ?? user.email ?? user.id;
}

/** Where the confirm link lands: one guarded button; pages.js copies the token from the fragment into the form. */
export function confirmPage(p: PageContext, action: string): string {
  const t = TEXTS[p.locale];
  return layout(
    p.locale,
    t.confirmTitle,
    `<p>${fill(t.confirmLead, p)}</p>
${fragmentTokenForm({ id: 'access-request-confirm', action, missing: t.confirmMissing, button: t.confirmButton })}`,
  );
}

/** What the confirm button answers: sent to the approvers, nobody to send it to, already confirmed, decided. */
export function confirmedPage(
  p: PageContext,
  state: 'sent' | 'nobody' | 'waiting' | 'decided',
  request: AccessRequestRecord,
): string {
  const t = TEXTS[p.locale];
  const pages: Record<typeof state, { title: string; lead: string }> = {
    sent: { title: t.sentTitle, lead: t.sentLead },
    nobody: { title: t.nobodyTitle, lead: t.nobodyLead },
    waiting: { title: t.waitingTitle, lead: t.waitingLead },
    decided: { title: t.decidedTitle, lead: t.decidedLead },
  };
  const { title, lead } = pages[state];
  const leadHtml = fillHtml(lead, { ...p }, { expires: when(p.locale, request.expiresAt) });
  const next = state === 'sent' || state === 'waiting' ? `\n<p>${fill(t.sentNext, p)}</p>` : '';
  return layout(p.locale, title, `<p role="status" data-access-request="${state}">${leadHtml}</p>${next}`);
}

/**
 * The approval page: who asks, when, the status; pending, the two guarded buttons of one same-origin form;
 * decided, who decided and when (`justDecided`: what the requester was told).
 */
export function approvalPage(
  p: PageContext,
  request: AccessRequestRecord,
  view: { approver: UserRecord; users: readonly UserRecord[]; action: string; justDecided?: boolean },
): string {
  const t = TEXTS[p.locale];
  const row = (label: string, value: string) => `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>`;
  const status =
    request.status === 'approved' ? t.approved : request.status === 'rejected' ? t.rejected : t.pending;
  const rows = [
    row(t.email, `<span data-email>${escapeHtml(request.email)}</span>`),
    row(t.asked, when(p.locale, request.createdAt)),
    ...(request.confirmedAt === null ? [] : [row(t.confirmed, when(p.locale, request.confirmedAt))]),
    row(t.status, `<span data-status="${escapeHtml(request.status)}">${escapeHtml(status)}</span>`),
    ...(request.status === 'pending' ? [row(t.expires, when(p.locale, request.expiresAt))] : []),
  ];
  let body: string;
  if (request.status === 'pending') {
    body = `<p class="muted">${fill(t.reviewWarning, p)}</p>
<form id="access-request-decision" method="post" action="${escapeHtml(view.action)}">
<button type="submit" class="button" name="decision" value="approve" data-guard>${fill(t.approveButton, {})}</button>
<button type="submit" class="button" name="decision" value="reject" data-guard>${fill(t.rejectButton, {})}</button>
</form>`;
  } else {
    const decider = view.users.find((user) => user.id === request.decidedBy);
    const who = userLabel(decider, request.decidedBy ?? '');
    const by = fillHtml(
      request.status === 'approved' ? t.approvedBy : t.rejectedBy,
      { who },
      { when: when(p.locale, request.decidedAt ?? 0) },
    );
    const next = view.justDecided
      ? `\n<p>${fill(request.status === 'approved' ? t.approvedNext : t.rejectedNext, { ...p, email: request.email })}</p>`
      : '';
    body = `<p role="status" data-decision="${escapeHtml(request.status)}">${by}</p>${next}`;
  }
  return layout(
    p.locale,
    t.reviewTitle,
    `<p>${fill(t.reviewLead, { ...p, email: request.email })}</p>
<dl data-access-request="${escapeHtml(request.id)}">
${rows.join('\n')}
</dl>
${body}
<p class="muted">${fill(t.signedInAs, { who: userLabel(view.approver, view.approver.id) })}</p>`,
  );
}

/** One of ACCESS_REQUEST_PAGE_ERRORS, explained in the page's language; `who` for permission_denied. */
export function accessRequestErrorPage(p: PageContext, code: ErrorCode, message: string, who = ''): string {
  const t = TEXTS[p.locale];
  const text = ERROR_TEXT[p.locale][code];
  return layout(
    p.locale,
    t.errorTitle,
    `<p role="alert" data-error-code="${escapeHtml(code)}">${text ? fill(text, { ...p, who }) : escapeHtml(message)}</p>
<p class="muted">${escapeHtml(t.errorCode)}: <code>${escapeHtml(code)}</code></p>`,
  );
}
