// Everything the overlay says, per locale. {product} and {code} are filled in by format().
import type { Locale } from '../types.ts';

export interface Strings {
  /** aria-label of the overlay region. */
  region: string;
  signIn: string;
  waiting: string;
  /** Must contain {code}: the view renders the code in its own element. The agent types it in the popup. */
  confirm: string;
  blocked: string;
  openWindow: string;
  expired: string;
  /** Too many wrong codes were typed in the sign-in window (attempt_locked). */
  locked: string;
  /** The API asked the SDK to slow down (rate_limited). */
  limited: string;
  error: string;
  tryAgain: string;
  /** The page is not set up for the tenant (unknown tenant, origin not allowed): nothing the agent can do. */
  unavailable: string;
}

export const STRINGS: Record<Locale, Strings> = {
  'en-US': {
    region: '{product} sign-in',
    signIn: 'Sign in to {product}',
    waiting: 'Waiting for the sign-in window…',
    confirm: 'Type this code in the sign-in window to finish signing in: {code}',
    blocked: 'Your browser blocked the sign-in window.',
    openWindow: 'Open the sign-in window',
    expired: 'The sign-in attempt expired.',
    locked: 'Too many wrong codes were typed, so this sign-in was stopped.',
    limited: 'Too many sign-in attempts in a short time. Wait a moment and try again.',
    error: 'Something went wrong while signing in.',
    tryAgain: 'Try again',
    unavailable: 'Signing in to {product} is not set up for this page. Please tell your administrator.',
  },
  'nl-NL': {
    region: '{product} aanmelden',
    signIn: 'Aanmelden bij {product}',
    waiting: 'Wachten op het aanmeldvenster…',
    confirm: 'Typ deze code in het aanmeldvenster om je aanmelding af te ronden: {code}',
    blocked: 'Je browser heeft het aanmeldvenster geblokkeerd.',
    openWindow: 'Aanmeldvenster openen',
    expired: 'De aanmeldpoging is verlopen.',
    locked: 'Er zijn te veel verkeerde codes getypt, daarom is deze aanmelding gestopt.',
    limited: 'Te veel aanmeldpogingen in korte tijd. Wacht even en probeer het opnieuw.',
    error: 'Er ging iets mis bij het aanmelden.',
    tryAgain: 'Opnieuw proberen',
    unavailable: 'Aanmelden bij {product} is voor deze pagina niet ingesteld. Laat het je beheerder weten.',
  },
};

/** Replaces {name} placeholders; unknown ones stay as they are. */
export function format(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}
