// The admin console's HTML shell: the built Preact app (apps/admin) fills <main id="app">. Its own CSP: the
// pages' one plus `connect-src 'self'` for the console's JSON API; still no inline script or style.
import { escapeHtml } from './render.ts';

export const ADMIN_CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Where the console's built files are served (routes/admin-console.ts). */
export const ADMIN_ASSETS_PATH = '/admin/assets';

export function adminConsolePage(page: {
  locale: string;
  title: string;
  tenant: string;
  product: string;
  script: string;
  style: string;
}): string {
  const asset = (file: string) => escapeHtml(`${ADMIN_ASSETS_PATH}/${encodeURIComponent(file)}`);
  return `<!doctype html>
<html lang="${escapeHtml(page.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${asset(page.style)}">
<script type="module" src="${asset(page.script)}"></script>
</head>
<body>
<main id="app" data-tenant="${escapeHtml(page.tenant)}" data-locale="${escapeHtml(page.locale)}" data-product="${escapeHtml(page.product)}"></main>
</body>
</html>`;
}
