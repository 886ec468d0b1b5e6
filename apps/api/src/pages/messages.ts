// Texts of the hosted pages in both locales; `{product}` and `{code}` are filled in by the renderer.
import type { ErrorCode } from '@deskgate/protocol';

export const LOCALES = ['en-US', 'nl-NL'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  signInTitle: 'Sign in to {product}',
  signInLead: 'Choose how you sign in. This window closes by itself when you are done.',
  continueWith: 'Continue with {provider}',
  noMethods: 'No sign-in method is set up for this organisation yet. Ask your manager.',
  completeTitle: 'You are signed in',
  completeDone: 'You can close this window and return to {product}.',
  confirmLead: 'To finish, check that {product} shows this code:',
  confirmButton: 'Yes, the codes match',
  confirmWarning:
    'If {product} does not show this code, or you did not start this sign-in, close this window.',
  confirmedTitle: 'Sign-in confirmed',
  errorTitle: 'Sign-in did not work',
  errorRetry: 'Close this window and try again from {product}.',
  errorCode: 'Error code',
} as const;

type Messages = { [K in keyof typeof en]: string };

const nl: Messages = {
  signInTitle: 'Aanmelden bij {product}',
  signInLead: 'Kies hoe je je aanmeldt. Dit venster sluit vanzelf als je klaar bent.',
  continueWith: 'Doorgaan met {provider}',
  noMethods: 'Voor deze organisatie is nog geen aanmeldmethode ingesteld. Vraag het je manager.',
  completeTitle: 'Je bent aangemeld',
  completeDone: 'Je kunt dit venster sluiten en teruggaan naar {product}.',
  confirmLead: 'Controleer ter afronding dat {product} deze code toont:',
  confirmButton: 'Ja, de codes komen overeen',
  confirmWarning:
    'Toont {product} deze code niet, of ben je deze aanmelding niet zelf begonnen? Sluit dan dit venster.',
  confirmedTitle: 'Aanmelding bevestigd',
  errorTitle: 'Aanmelden is niet gelukt',
  errorRetry: 'Sluit dit venster en probeer het opnieuw vanuit {product}.',
  errorCode: 'Foutcode',
};

const MESSAGES: Record<Locale, Messages> = { 'en-US': en, 'nl-NL': nl };

/** Human texts for the errors an agent can meet in the popup; the code is always shown as well. */
const ERROR_TEXT: Record<Locale, Partial<Record<ErrorCode, string>>> = {
  'en-US': {
    attempt_not_found: 'This sign-in link is not valid.',
    attempt_expired: 'This sign-in link has expired.',
    attempt_already_completed: 'This sign-in was already completed.',
    attempt_already_redeemed: 'This sign-in was already used.',
    sso_browser_mismatch: 'This sign-in was started in another browser or window.',
    sso_idp_error: 'Your organisation’s sign-in service did not sign you in.',
    sso_idp_unreachable: 'Your organisation’s sign-in service could not be reached.',
  },
  'nl-NL': {
    attempt_not_found: 'Deze aanmeldlink is niet geldig.',
    attempt_expired: 'Deze aanmeldlink is verlopen.',
    attempt_already_completed: 'Deze aanmelding is al afgerond.',
    attempt_already_redeemed: 'Deze aanmelding is al gebruikt.',
    sso_browser_mismatch: 'Deze aanmelding is in een andere browser of ander venster begonnen.',
    sso_idp_error: 'De aanmelddienst van je organisatie heeft je niet aangemeld.',
    sso_idp_unreachable: 'De aanmelddienst van je organisatie is niet bereikbaar.',
  },
};

export function messages(locale: Locale): Messages {
  return MESSAGES[locale];
}

export function errorText(locale: Locale, code: ErrorCode, fallback: string): string {
  return ERROR_TEXT[locale][code] ?? fallback;
}

/** `?locale=` wins, then Accept-Language, then en-US. */
export function pickLocale(query: string | undefined, acceptLanguage: string | undefined): Locale {
  if (query && (LOCALES as readonly string[]).includes(query)) return query as Locale;
  return /^\s*nl\b/i.test(acceptLanguage ?? '') ? 'nl-NL' : 'en-US';
}
