// The demo's LiveEngage-style widget (widget.html): LiveEngage has neither OAuth2 nor platform JWTs, so it opens
// an agent-assist widget with a tenant API key and the agent in the widget's URL, and the SDK signs the agent in
// with them (`data-from-url`, docs/api-key.md). Here: the demo agent the desktop's link names, the link itself,
// and the demo tenant's key from the seed file the API was given.
import { readFileSync } from 'node:fs';

/** Who the desktop's widget link says is at the desk (LiveEngage's agent id and name). */
export const WIDGET_AGENT = { id: 'le-agent-1', name: 'Lee Widget' } as const;

/** The widget page's path on the demo server. */
export const WIDGET_PATH = '/widget.html';

/**
 * The widget URL as LiveEngage would open it: `apiKey`, `agentId` and `agentName` in the query (the SDK takes
 * them and removes them from the address bar). Relative to the demo server without `base`. Without a key the
 * link still opens the page, whose SDK then reports the missing key.
 */
export function widgetUrl(apiKey: string | undefined, base?: string): string {
  const query = new URLSearchParams();
  if (apiKey) query.set('apiKey', apiKey);
  query.set('agentId', WIDGET_AGENT.id);
  query.set('agentName', WIDGET_AGENT.name);
  return `${base ?? ''}${WIDGET_PATH}?${query}`;
}

/**
 * The first API key a seed file gives `tenant` (its `seedApiKeys`), the one the widget link carries; undefined
 * when the file, the tenant or a key is missing.
 */
export function apiKeyFromSeed(file: string, tenant: string): string | undefined {
  let seed: { tenants?: { code?: string; seedApiKeys?: { key?: unknown }[] }[] };
  try {
    seed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const key = seed.tenants?.find((t) => t.code === tenant)?.seedApiKeys?.[0]?.key;
  return typeof key === 'string' ? key : undefined;
}
