// Fills index.html and widget.html for one request: the SDK script tag (as an integrator writes it) and the
// page's settings.

export interface PageInput {
  /** Without a trailing slash. */
  apiUrl: string;
  tenant: string;
  locale?: string | undefined;
  /** Include the SDK's script tag twice, as a page assembled from several templates might (?twice=1). */
  twice?: boolean | undefined;
  /** The origin the demo tenant allows, said on the page when it is opened at another one. */
  origin?: string | undefined;
  /** Platform mode (?platform=1): the demo platform signs the agent in (signedUserInfo), see platform.ts. */
  platform?: boolean | undefined;
  /** The desktop's link to the LiveEngage-style widget page, with its query (see widget.ts). */
  widgetUrl?: string | undefined;
}

/** Where index.html wants the SDK's script tag. */
export const SDK_PLACEHOLDER = '<!-- deskgate:sdk -->';
const LOCALE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A `?tenant=` worth passing on to the SDK (to see what a wrong tenant code does); anything else is ignored. */
export function pickTenant(value: string | null | undefined): string | undefined {
  return value && /^[a-z0-9]{3,64}$/.test(value) ? value : undefined;
}

/** A `?locale=` worth passing on to the SDK; anything else is ignored. */
export function pickLocale(value: string | null | undefined): string | undefined {
  return value && LOCALE_PATTERN.test(value) ? value : undefined;
}

export function renderPage(
  template: string,
  { apiUrl, tenant, locale, twice, origin, platform, widgetUrl }: PageInput,
): string {
  if (!template.includes(SDK_PLACEHOLDER)) throw new Error(`index.html has no ${SDK_PLACEHOLDER}`);
  const localeAttr = locale ? ` data-locale="${escapeHtml(locale)}"` : '';
  const sdk = `<script src="${escapeHtml(`${apiUrl}/sdk/deskgate.js`)}" data-tenant="${escapeHtml(tenant)}" data-anchor="#composer"${localeAttr} async></script>`;
  return fillSettings(template.replace(SDK_PLACEHOLDER, twice ? `${sdk}\n${sdk}` : sdk), {
    apiUrl,
    tenant,
    origin,
  })
    .replaceAll('{{platform}}', platform ? '1' : '')
    .replaceAll('{{widgetUrl}}', escapeHtml(widgetUrl ?? '/widget.html'));
}

/**
 * Fills widget.html: the SDK tag as a LiveEngage-style widget writes it. `data-from-url` has the SDK take
 * `apiKey`, `agentId` and `agentName` from the widget's own URL (LiveEngage opens the widget with them) and
 * remove them from the address bar; `data-api-url` names the API explicitly, as a widget served elsewhere would.
 */
export function renderWidget(
  template: string,
  { apiUrl, tenant, locale, origin }: Pick<PageInput, 'apiUrl' | 'tenant' | 'locale' | 'origin'>,
): string {
  if (!template.includes(SDK_PLACEHOLDER)) throw new Error(`widget.html has no ${SDK_PLACEHOLDER}`);
  const localeAttr = locale ? ` data-locale="${escapeHtml(locale)}"` : '';
  const sdk = `<script src="${escapeHtml(`${apiUrl}/sdk/deskgate.js`)}" data-tenant="${escapeHtml(tenant)}" data-api-url="${escapeHtml(apiUrl)}" data-from-url${localeAttr} async></script>`;
  return fillSettings(template.replace(SDK_PLACEHOLDER, sdk), { apiUrl, tenant, origin });
}

function fillSettings(
  html: string,
  { apiUrl, tenant, origin }: { apiUrl: string; tenant: string; origin?: string | undefined },
): string {
  return html
    .replaceAll('{{apiUrl}}', escapeHtml(apiUrl))
    .replaceAll('{{tenant}}', escapeHtml(tenant))
    .replaceAll('{{origin}}', escapeHtml(origin ?? ''));
}
