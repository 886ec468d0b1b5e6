// Server-rendered hosted pages: escaped HTML, one stylesheet and one script, both same-origin (strict CSP).
import type { ErrorCode } from '@deskgate/protocol';
import { errorText, type Locale, messages } from './messages.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** Fills `{name}` placeholders with escaped values. */
export function fill(template: string, values: Record<string, string>): string {
  return escapeHtml(template).replace(/\{(\w+)\}/g, (_, key: string) => escapeHtml(values[key] ?? ''));
}

/** Strict CSP: no inline script at all, no third-party anything, not frameable. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
  "base-uri 'none'; frame-ancestors 'none'";

export function layout(locale: Locale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/pages.css">
<script src="/assets/pages.js" defer></script>
</head>
<body>
<main class="card">
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

/**
 * The form of a page an emailed link lands on (a magic link, an access request's confirm link): pages.js copies
 * the token from the fragment into it (`data-fragment-token`), or shows the `missing` alert; only the guarded
 * button posts it, so opening the page changes nothing.
 */
export function fragmentTokenForm(form: {
  id: string;
  action: string;
  missing: string;
  button: string;
}): string {
  return `<p id="fragment-missing" role="alert" class="alert" hidden>${escapeHtml(form.missing)}</p>
<form id="${escapeHtml(form.id)}" method="post" action="${escapeHtml(form.action)}" data-fragment-token>
<input type="hidden" name="token" value="">
<button type="submit" class="button" data-guard>${escapeHtml(form.button)}</button>
</form>`;
}

export function errorPage(locale: Locale, product: string, code: ErrorCode, message: string): string {
  const m = messages(locale);
  return layout(
    locale,
    fill(m.errorTitle, { product }),
    `<p role="alert" data-error-code="${escapeHtml(code)}">${fill(errorText(locale, code, message), { product })}</p>
<p>${fill(m.errorRetry, { product })}</p>
<p class="muted">${escapeHtml(m.errorCode)}: <code>${escapeHtml(code)}</code></p>`,
  );
}

/** What the API's own URL shows a person who opens it: what this is, and where to read on. */
export function landingPage(product: string): string {
  return layout(
    'en-US',
    `${product} sign-in service`,
    `<p>This is the sign-in API of ${escapeHtml(product)} (deskgate). Agents reach it through the ${escapeHtml(product)} sign-in window; there is nothing to do here.</p>
<ul>
<li><a href="/reference">API reference</a></li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/healthz">Health</a></li>
</ul>`,
  );
}
