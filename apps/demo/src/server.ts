// Starts the demo agent desktop in-process (start script, dev script, e2e): Vite's preview server over a
// fresh build, or Vite's dev server with hot reload.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createServer, type InlineConfig, preview } from 'vite';
import { type DemoConfigOptions, demoConfig } from './config.ts';

export interface DemoOptions extends DemoConfigOptions {
  port: number;
  /** Default localhost: a different site from the API on 127.0.0.1, so the SDK really is third-party. */
  host?: string;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Vite's dev server with hot reload of the page, its script and styles, and the SDK. @default false */
  dev?: boolean;
}

export interface Demo {
  url: string;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { port, tls, dev, ...settings } = options;
  const host = options.host ?? 'localhost';
  const listen = { port, host, strictPort: true, ...(tls && { https: { key: tls.key, cert: tls.cert } }) };
  const config: InlineConfig = { ...demoConfig(settings), configFile: false };
  let address: () => AddressInfo | string | null | undefined;
  let close: () => Promise<void>;
  if (dev) {
    const server = await createServer({ ...config, server: { ...config.server, ...listen } });
    await server.listen();
    address = () => server.httpServer?.address();
    close = () => server.close();
  } else {
    // Each server builds into its own folder, so several (tests, a running demo) never share one.
    const outDir = await mkdtemp(join(tmpdir(), 'deskgate-demo-'));
    const built = { ...config, build: { ...config.build, outDir } };
    await build(built);
    const server = await preview({ ...built, preview: { ...config.preview, ...listen } });
    address = () => server.httpServer.address();
    close = async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    };
  }
  const bound = address();
  const actualPort = typeof bound === 'object' && bound ? bound.port : port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return { url, close };
}
