// Runs the demo agent desktop on its own, configured from the environment.

import { fileURLToPath } from 'node:url';
import { platformKeysFromSeed } from './platform.ts';
import { startDemo } from './server.ts';
import { apiKeyFromSeed, widgetUrl } from './widget.ts';

const port = Number(process.env.DEMO_PORT ?? 5173);
const host = process.env.DEMO_HOST ?? 'localhost';
const tenant = process.env.DEMO_TENANT ?? 'demo';
// The demo platform backend signs with the tenant's keys from the seed file the API was given, and the widget
// link carries the tenant's API key from it.
const seedFile = process.env.DEMO_SEED_FILE ?? fileURLToPath(new URL('../seed.json', import.meta.url));
const apiKey = apiKeyFromSeed(seedFile, tenant);
const demo = await startDemo({
  port,
  host,
  origin: process.env.DEMO_ORIGIN ?? `http://${host}:${port}`,
  apiUrl: process.env.DESKGATE_API_URL ?? 'http://127.0.0.1:8787',
  tenant,
  platform: platformKeysFromSeed(seedFile, tenant),
  apiKey,
});

console.log(`demo agent desktop at ${demo.url}`);
console.log(`LiveEngage-style widget at ${widgetUrl(apiKey, demo.url)}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
