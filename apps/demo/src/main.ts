// Runs the demo agent desktop on its own, configured from the environment.

import { startDemo } from './server.ts';

const port = Number(process.env.DEMO_PORT ?? 5173);
const host = process.env.DEMO_HOST ?? 'localhost';
const demo = await startDemo({
  port,
  host,
  origin: process.env.DEMO_ORIGIN ?? `http://${host}:${port}`,
  apiUrl: process.env.DESKGATE_API_URL ?? 'http://127.0.0.1:8787',
  tenant: process.env.DEMO_TENANT ?? 'demo',
});

console.log(`demo agent desktop at ${demo.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
