// The demo agent desktop (and its LiveEngage-style widget page) as a Vite app: the one config `vite`,
// `vite preview` and startDemo() all use.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';
import { pickLocale, pickTenant, renderPage, renderWidget } from './page.ts';
import { type PlatformSettings, platformBackend } from './platform.ts';
import { WIDGET_PATH, widgetUrl } from './widget.ts';

export const DEMO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The SDK build the API serves; in dev, a rebuild there reloads the page. */
const SDK_DIST = fileURLToPath(new URL('../../../packages/sdk/dist', import.meta.url));
const COOP_VALUES = new Set(['same-origin', 'same-origin-allow-popups', 'unsafe-none']);
/** Lets the API pick up a rebuilt SDK before the page asks for it again. */
const SDK_RELOAD_DELAY_MS = 300;

export interface DemoSettings {
  /** Base URL of the deskgate API, e.g. http://127.0.0.1:8787 (a trailing slash is dropped). */
  apiUrl: string;
  tenant: string;
  /** Where the page is meant to be opened (the origin the tenant allows), e.g. http://localhost:5173. */
  origin?: string | undefined;
  /**
   * The keys the demo platform backend signs with (the tenant's `jwtKeys`: see platform.ts). Without them
   * /platform/* answers 404, and ?platform=1 pages get no token.
   */
  platform?: PlatformSettings | undefined;
  /**
   * The tenant API key the desktop's link opens the LiveEngage-style widget with (the seed's `seedApiKeys`, see
   * widget.ts). Without it the link carries no key, and the widget's SDK says so.
   */
  apiKey?: string | undefined;
}

/** The desktop page and the widget page, each with its template in the demo's root. */
const PAGES = {
  desktop: { file: 'index.html', paths: ['/', '/index.html'] },
  widget: { file: 'widget.html', paths: [WIDGET_PATH, WIDGET_PATH.replace(/\.html$/, '')] },
} as const;
type PageName = keyof typeof PAGES;

function pageAt(pathname: string): PageName | undefined {
  return (Object.keys(PAGES) as PageName[]).find((name) =>
    (PAGES[name].paths as readonly string[]).includes(pathname),
  );
}

/** What the page's CSP must allow for the SDK; the same lines an integrator adds to their own policy. */
export function demoCsp(apiOrigin: string): string {
  return [
    `script-src 'self' ${apiOrigin}`,
    // 'self' also covers the dev server's own WebSocket (hot reload), in CSP Level 3 browsers.
    `connect-src 'self' ${apiOrigin}`,
    // No 'unsafe-inline': the SDK styles its shadow root with a constructed (adopted) stylesheet.
    "style-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** The agent desktop's own behaviour: its page per request, its headers, and reloads when the SDK changes. */
export function cxDesktop(settings: DemoSettings): Plugin {
  const api = new URL(settings.apiUrl);
  if (!/^https?:$/.test(api.protocol)) throw new Error(`apiUrl must be http(s), got ${settings.apiUrl}`);
  const apiUrl = (api.origin + api.pathname).replace(/\/+$/, '');
  const csp = demoCsp(api.origin);
  const page = (name: PageName, template: string, url: URL) => {
    const common = {
      apiUrl,
      // ?tenant=x tries another tenant code: what an integrator's typo in data-tenant looks like.
      tenant: pickTenant(url.searchParams.get('tenant')) ?? settings.tenant,
      origin: settings.origin,
      locale: pickLocale(url.searchParams.get('locale')),
    };
    if (name === 'widget') return renderWidget(template, common);
    return renderPage(template, {
      ...common,
      // ?twice=1 includes the SDK twice: the loader must start once (e2e/loader.spec.ts).
      twice: url.searchParams.get('twice') === '1',
      // ?platform=1 plays a CX platform that signs its agent in (signedUserInfo from /platform/token).
      platform: url.searchParams.get('platform') === '1',
      widgetUrl: widgetUrl(settings.apiKey),
    });
  };
  const platform = platformBackend(settings.platform, apiUrl);

  /** Refuses what a static page does not take, and sets the page's headers; true when it answered. */
  function headers(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const url = new URL(req.url ?? '/', 'http://demo');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    const name = pageAt(url.pathname);
    if (name) res.setHeader('content-security-policy', csp);
    if (name === 'desktop') {
      // ?coop=same-origin severs window.opener for the sign-in popup: the SDK's polling fallback path.
      const coop = url.searchParams.get('coop');
      if (coop && COOP_VALUES.has(coop)) res.setHeader('cross-origin-opener-policy', coop);
    }
    return false;
  }

  return {
    name: 'deskgate:cx-desktop',
    transformIndexHtml: {
      order: 'pre',
      // Only the dev server fills the page; a build keeps the placeholders for the preview server to fill.
      handler: (html, context) =>
        context.server
          ? page(
              context.filename.endsWith(PAGES.widget.file) ? 'widget' : 'desktop',
              html,
              new URL(context.originalUrl ?? '/', 'http://demo'),
            )
          : html,
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => (headers(req, res) ? undefined : next()));
      server.middlewares.use((req, res, next) => platform(req, res).then((done) => done || next(), next));
      server.watcher.add(SDK_DIST);
    },
    configurePreviewServer(server) {
      server.middlewares.use(async (req, res, next) => {
        if (headers(req, res) || (await platform(req, res))) return;
        const url = new URL(req.url ?? '/', 'http://demo');
        const name = pageAt(url.pathname);
        if (!name) return next();
        const template = await readFile(join(server.config.build.outDir, PAGES[name].file), 'utf8');
        const html = page(name, template, url);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : html);
      });
    },
    // The demo's own script and styles are plain public files, and the SDK is served by the API: Vite has no
    // module to hot-swap for them, so a change reloads the page.
    hotUpdate({ file }) {
      const publicDir = this.environment.config.publicDir;
      if (file.startsWith(SDK_DIST)) {
        setTimeout(() => this.environment.hot.send({ type: 'full-reload' }), SDK_RELOAD_DELAY_MS);
        return [];
      }
      if (publicDir && file.startsWith(publicDir)) {
        this.environment.hot.send({ type: 'full-reload' });
        return [];
      }
    },
  };
}

export interface DemoConfigOptions extends DemoSettings {
  /** Host names the server answers to besides its own (e.g. `cx.test` in the e2e suite). */
  allowedHosts?: string[];
}

export function demoConfig({ allowedHosts, ...settings }: DemoConfigOptions): UserConfig {
  return {
    root: DEMO_ROOT,
    // A multi-page app: unknown paths are 404, not index.html.
    appType: 'mpa',
    logLevel: 'warn',
    clearScreen: false,
    plugins: [cxDesktop(settings)],
    server: { allowedHosts: allowedHosts ?? [] },
    preview: { allowedHosts: allowedHosts ?? [] },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      // Both pages are built; the preview server fills each per request.
      rolldownOptions: {
        input: Object.fromEntries(
          (Object.keys(PAGES) as PageName[]).map((name) => [name, join(DEMO_ROOT, PAGES[name].file)]),
        ),
      },
    },
  };
}
