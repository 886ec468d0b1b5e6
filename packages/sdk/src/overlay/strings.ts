// Everything the overlay says, per locale. {product} and {code} are filled in by format().
import type { Locale } from '../types.ts';

export interface Strings {
  /** aria-label of the overlay region. */
  region: string;
  signIn: string;
  waiting: string;
  /** Must contain {code}: the view renders the code in its own element. */
  confirm: string;
  blocked: string;
  openWindow: string;
  expired: string;
  error: string;
  tryAgain: string;
}

export const STRINGS: Record<Locale, Strings> = {
  'en-US': {
    region: '{product} sign-in',
    signIn: 'Sign in to {product}',
    waiting: 'Waiting for the sign-in window…',
    confirm: 'Check that the sign-in window shows code {code}, then confirm there.',
    blocked: 'Your browser blocked the sign-in window.',
    openWindow: 'Open the sign-in window',
    expired: 'The sign-in attempt expired.',
    error: 'Something went wrong while signing in.',
    tryAgain: 'Try again',
  },
  'nl-NL': {
    region: '{product} aanmelden',
    signIn: 'Aanmelden bij {product}',
    waiting: 'Wachten op het aanmeldvenster…',
    confirm: 'Controleer of het aanmeldvenster code {code} toont en bevestig daar.',
    blocked: 'Je browser heeft het aanmeldvenster geblokkeerd.',
    openWindow: 'Aanmeldvenster openen',
    expired: 'De aanmeldpoging is verlopen.',
    error: 'Er ging iets mis bij het aanmelden.',
    tryAgain: 'Opnieuw proberen',
  },
};

/** Replaces {name} placeholders; unknown ones stay as they are. */
export function format(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => values[name] ?? placeholder);
}
