// Texts of the hosted pages in both locales; `{product}` and `{code}` are filled in by the renderer.
import type { ErrorCode } from '@deskgate/protocol';

export const LOCALES = ['en-US', 'nl-NL'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  signInTitle: 'Sign in to {product}',
  signInLead: 'Choose how you sign in. This window closes by itself when you are done.',
  signInLeadFirstParty: 'Choose how you sign in.',
  continueWith: 'Continue with {provider}',
  noMethods: 'No sign-in method is set up for this organisation yet. Ask your manager.',
  completeTitle: 'You are signed in',
  completeDone: 'You can close this window and return to {product}.',
  confirmLead: 'To finish, type the code that {product} shows on your agent desktop.',
  confirmLabel: 'Code from {product}',
  confirmButton: 'Confirm sign-in',
  confirmWarning:
    'Only type the code that {product} shows you on your own agent desktop. Never type a code that a website, an email or another person gave you: whoever gave it to you would be signed in as you. If you did not start this sign-in, close this window.',
  confirmMismatch: 'That code does not match. Tries left: {tries}.',
  confirmedTitle: 'Sign-in confirmed',
  alreadyConfirmed: 'This sign-in was already confirmed. You can close this window and return to {product}.',
  errorTitle: 'Sign-in did not work',
  errorRetry: 'Close this window and try again from {product}.',
  errorCode: 'Error code',
  signOutTitle: 'Sign out of {product}',
  signOutLead: 'Sign out of {product} in this browser.',
  signOutButton: 'Sign out',
  signedOutTitle: 'You are signed out',
  signedOutDone: 'You are signed out of {product} in this browser. You can close this window.',
  exchangeTitle: 'Opening {product}',
  exchangeLead: 'One moment, signing you in…',
  exchangeMissing: 'This link is incomplete. Open it again from your agent desktop.',
  exchangeNoScript: 'This page needs JavaScript to sign you in.',
  switchTitle: 'Switch account?',
  switchLead: 'This browser is signed in to {product} as {current}. The link you opened signs in {next}.',
  switchButton: 'Continue as {next}',
  stayButton: 'Stay signed in as {current}',
  magicLinkOr: 'Or get a sign-in link by email',
  magicLinkLabel: 'Work email',
  magicLinkButton: 'Email me a sign-in link',
  checkEmailTitle: 'Check your email',
  checkEmailLead:
    'A message is on its way to {email}: a sign-in link if that address has an account with {tenant}, otherwise a link to ask for access. The sign-in link works once, for {minutes} minutes.',
  checkEmailOther:
    'Open the sign-in link in this browser and this window finishes by itself. Opening it on another device? Then type the code that {product} shows on your agent desktop there. Got a link to ask for access instead? Then you can close this window.',
  magicOpenTitle: 'Sign in to {product}',
  magicOpenLead: 'Continue to sign in to {product} with the link from your email.',
  magicOpenButton: 'Sign in',
  magicOpenMissing: 'This link is incomplete. Copy the whole link from the email, or ask for a new one.',
} as const;

type Messages = { [K in keyof typeof en]: string };

const nl: Messages = {
  signInTitle: 'Aanmelden bij {product}',
  signInLead: 'Kies hoe je je aanmeldt. Dit venster sluit vanzelf als je klaar bent.',
  signInLeadFirstParty: 'Kies hoe je je aanmeldt.',
  continueWith: 'Doorgaan met {provider}',
  noMethods: 'Voor deze organisatie is nog geen aanmeldmethode ingesteld. Vraag het je manager.',
  completeTitle: 'Je bent aangemeld',
  completeDone: 'Je kunt dit venster sluiten en teruggaan naar {product}.',
  confirmLead: 'Typ ter afronding de code die {product} op je agentscherm toont.',
  confirmLabel: 'Code uit {product}',
  confirmButton: 'Aanmelding bevestigen',
  confirmWarning:
    'Typ alleen de code die {product} je op je eigen agentscherm toont. Typ nooit een code die je van een website, uit een e-mail of van iemand anders kreeg: wie je die code gaf, zou dan als jou aangemeld zijn. Ben je deze aanmelding niet zelf begonnen? Sluit dan dit venster.',
  confirmMismatch: 'Die code klopt niet. Nog {tries} pogingen.',
  confirmedTitle: 'Aanmelding bevestigd',
  alreadyConfirmed:
    'Deze aanmelding is al bevestigd. Je kunt dit venster sluiten en teruggaan naar {product}.',
  errorTitle: 'Aanmelden is niet gelukt',
  errorRetry: 'Sluit dit venster en probeer het opnieuw vanuit {product}.',
  errorCode: 'Foutcode',
  signOutTitle: 'Afmelden bij {product}',
  signOutLead: 'Meld je in deze browser af bij {product}.',
  signOutButton: 'Afmelden',
  signedOutTitle: 'Je bent afgemeld',
  signedOutDone: 'Je bent in deze browser afgemeld bij {product}. Je kunt dit venster sluiten.',
  exchangeTitle: '{product} openen',
  exchangeLead: 'Een moment, je wordt aangemeld…',
  exchangeMissing: 'Deze link is onvolledig. Open hem opnieuw vanaf je agentdesktop.',
  exchangeNoScript: 'Deze pagina heeft JavaScript nodig om je aan te melden.',
  switchTitle: 'Van account wisselen?',
  switchLead:
    'Deze browser is bij {product} aangemeld als {current}. De link die je opende meldt {next} aan.',
  switchButton: 'Doorgaan als {next}',
  stayButton: 'Aangemeld blijven als {current}',
  magicLinkOr: 'Of ontvang een aanmeldlink per e-mail',
  magicLinkLabel: 'Zakelijk e-mailadres',
  magicLinkButton: 'Stuur mij een aanmeldlink',
  checkEmailTitle: 'Kijk in je e-mail',
  checkEmailLead:
    'Er is een bericht onderweg naar {email}: een aanmeldlink als dat adres een account heeft bij {tenant}, anders een link om toegang te vragen. De aanmeldlink werkt één keer, {minutes} minuten lang.',
  checkEmailOther:
    'Open de aanmeldlink in deze browser, dan rondt dit venster vanzelf af. Open je hem op een ander apparaat? Typ daar dan de code die {product} op je agentdesktop toont. Kreeg je in plaats daarvan een link om toegang te vragen? Dan kun je dit venster sluiten.',
  magicOpenTitle: 'Aanmelden bij {product}',
  magicOpenLead: 'Ga verder om je met de link uit je e-mail aan te melden bij {product}.',
  magicOpenButton: 'Aanmelden',
  magicOpenMissing: 'Deze link is onvolledig. Kopieer de hele link uit de e-mail, of vraag een nieuwe aan.',
};

const MESSAGES: Record<Locale, Messages> = { 'en-US': en, 'nl-NL': nl };

/** Human texts for the errors an agent can meet in the popup; the code is always shown as well. */
const ERROR_TEXT: Record<Locale, Partial<Record<ErrorCode, string>>> = {
  'en-US': {
    attempt_not_found: 'This sign-in link is not valid.',
    attempt_expired: 'This sign-in link has expired.',
    attempt_already_completed: 'This sign-in was already completed.',
    attempt_already_redeemed: 'This sign-in was already used, so there is nothing left to confirm.',
    attempt_locked: 'Too many wrong codes were typed, so this sign-in was stopped.',
    signin_chooser_required: 'Sign-in has to start from the sign-in window.',
    rate_limited: 'Too many tries in a short time. Wait a moment and try again.',
    sso_browser_mismatch: 'This sign-in was started in another browser or window.',
    sso_idp_error: 'Your organisation’s sign-in service did not sign you in.',
    sso_idp_unreachable: 'Your organisation’s sign-in service could not be reached.',
    exchange_token_invalid:
      'This link is no longer valid: it was used already, has expired, or is incomplete. Open it again from your agent desktop.',
    magic_link_invalid:
      'This sign-in link is no longer valid: it was used already, replaced by a newer one, or has expired. Ask for a new one from the sign-in window.',
    email_invalid: 'That is not an email address. Go back and check it.',
    roles_required:
      'Your organisation gives {product} access only to people with a role in it, and your account has none. Ask your manager to give you a role, then try again.',
    role_lookup_failed:
      'Your roles could not be read from your organisation’s platform just now. Try again in a moment.',
    trial_not_invited:
      'Your organisation is trying {product} out, and only invited people can start using it yet. If your organisation’s sign-in service gave us your email, we sent you a message there to ask your manager for access.',
    trial_seats_full:
      'Your organisation is trying {product} out, and all its places are taken. If your organisation’s sign-in service gave us your email, we sent you a message there to ask your manager for access.',
  },
  'nl-NL': {
    attempt_not_found: 'Deze aanmeldlink is niet geldig.',
    attempt_expired: 'Deze aanmeldlink is verlopen.',
    attempt_already_completed: 'Deze aanmelding is al afgerond.',
    attempt_already_redeemed: 'Deze aanmelding is al gebruikt, er valt niets meer te bevestigen.',
    attempt_locked: 'Er zijn te veel verkeerde codes getypt, daarom is deze aanmelding gestopt.',
    signin_chooser_required: 'Aanmelden moet beginnen in het aanmeldvenster.',
    rate_limited: 'Te veel pogingen in korte tijd. Wacht even en probeer het opnieuw.',
    sso_browser_mismatch: 'Deze aanmelding is in een andere browser of ander venster begonnen.',
    sso_idp_error: 'De aanmelddienst van je organisatie heeft je niet aangemeld.',
    sso_idp_unreachable: 'De aanmelddienst van je organisatie is niet bereikbaar.',
    exchange_token_invalid:
      'Deze link is niet meer geldig: hij is al gebruikt, verlopen of onvolledig. Open hem opnieuw vanaf je agentdesktop.',
    magic_link_invalid:
      'Deze aanmeldlink is niet meer geldig: hij is al gebruikt, vervangen door een nieuwere of verlopen. Vraag een nieuwe aan in het aanmeldvenster.',
    email_invalid: 'Dat is geen e-mailadres. Ga terug en controleer het.',
    roles_required:
      'Je organisatie geeft alleen mensen met een rol toegang tot {product}, en jouw account heeft er geen. Vraag je manager om je een rol te geven en probeer het daarna opnieuw.',
    role_lookup_failed:
      'Je rollen konden nu niet uit het platform van je organisatie gelezen worden. Probeer het zo opnieuw.',
    trial_not_invited:
      'Je organisatie probeert {product} uit, en alleen uitgenodigde mensen kunnen er al mee beginnen. Als de aanmelddienst van je organisatie ons je e-mailadres gaf, sturen we je daar een bericht om je manager om toegang te vragen.',
    trial_seats_full:
      'Je organisatie probeert {product} uit, en alle plaatsen zijn bezet. Als de aanmelddienst van je organisatie ons je e-mailadres gaf, sturen we je daar een bericht om je manager om toegang te vragen.',
  },
};

export function messages(locale: Locale): Messages {
  return MESSAGES[locale];
}

export function errorText(locale: Locale, code: ErrorCode, fallback: string): string {
  return ERROR_TEXT[locale][code] ?? fallback;
}

/** The first supported locale among the asked ones (`?locale=`, then the attempt's), then Accept-Language, then en-US. */
export function pickLocale(
  asked: string | null | undefined | readonly (string | null | undefined)[],
  acceptLanguage: string | undefined,
): Locale {
  const candidates = Array.isArray(asked) ? asked : [asked];
  const found = candidates.find((l): l is Locale => (LOCALES as readonly unknown[]).includes(l));
  if (found) return found;
  return /^\s*nl\b/i.test(acceptLanguage ?? '') ? 'nl-NL' : 'en-US';
}
