// A fake CX-platform agent desktop that loads the deskgate SDK by script tag, exactly as customers will.

import { readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { renderPage } from './page.ts';

export interface DemoOptions {
  port: number;
  /** Default localhost: a different site from the API on 127.0.0.1, so the SDK really is third-party. */
  host?: string;
  /** Base URL of the deskgate API, e.g. http://127.0.0.1:8787. */
  apiUrl: string;
  tenant: string;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface Demo {
  url: string;
  close(): Promise<void>;
}

const PUBLIC_DIR = new URL('../public/', import.meta.url);
const COOP_VALUES = new Set(['same-origin', 'same-origin-allow-popups', 'unsafe-none']);
const LOCALE_PATTERN = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** What the page's CSP must allow for the SDK; the same lines an integrator adds to their own policy. */
export function demoCsp(apiOrigin: string): string {
  return [
    `script-src 'self' ${apiOrigin}`,
    `connect-src 'self' ${apiOrigin}`,
    // No 'unsafe-inline': the SDK styles its shadow root with a constructed (adopted) stylesheet.
    "style-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const apiUrl = new URL(options.apiUrl);
  if (!/^https?:$/.test(apiUrl.protocol)) throw new Error(`apiUrl must be http(s), got ${options.apiUrl}`);
  const apiBase = (apiUrl.origin + apiUrl.pathname).replace(/\/+$/, '');
  const csp = demoCsp(apiUrl.origin);
  const [script, styles] = await Promise.all([
    readFile(new URL('demo.js', PUBLIC_DIR)),
    readFile(new URL('demo.css', PUBLIC_DIR)),
  ]);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const common = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
    switch (url.pathname) {
      case '/': {
        const locale = url.searchParams.get('locale');
        const coop = url.searchParams.get('coop');
        const html = renderPage({
          apiUrl: apiBase,
          tenant: options.tenant,
          locale: locale && LOCALE_PATTERN.test(locale) ? locale : undefined,
        });
        res.writeHead(200, {
          ...common,
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': csp,
          // ?coop=same-origin severs window.opener for the sign-in popup: the SDK's polling fallback path.
          ...(coop && COOP_VALUES.has(coop) ? { 'cross-origin-opener-policy': coop } : {}),
        });
        res.end(req.method === 'HEAD' ? undefined : html);
        return;
      }
      case '/demo.js':
        res.writeHead(200, { ...common, 'content-type': 'text/javascript; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : script);
        return;
      case '/demo.css':
        res.writeHead(200, { ...common, 'content-type': 'text/css; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : styles);
        return;
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      default:
        res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
    }
  };

  const server: Server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  const host = options.host ?? 'localhost';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
