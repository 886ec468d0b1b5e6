// Runs the dev IdP on its own: `node packages/dev-idp/src/main.ts`, configured from the environment.

import { DEMO_ACCOUNTS } from './accounts.ts';
import { type DevIdpClient, startDevIdp } from './server.ts';

const DEFAULT_CLIENTS: DevIdpClient[] = [
  {
    clientId: 'deskgate-demo',
    clientSecret: 'demo-client-secret',
    redirectUris: ['http://127.0.0.1:8787/t/demo/auth/sso/callback'],
  },
];

function clientsFromEnv(raw: string | undefined): DevIdpClient[] {
  if (!raw) return DEFAULT_CLIENTS;
  const parsed: unknown = JSON.parse(raw);
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (c) =>
        typeof c?.clientId === 'string' &&
        typeof c.clientSecret === 'string' &&
        Array.isArray(c.redirectUris) &&
        c.redirectUris.every((u: unknown) => typeof u === 'string'),
    );
  if (!valid) {
    throw new Error(
      'DEV_IDP_CLIENTS must be a JSON array of { clientId, clientSecret, redirectUris: string[] }',
    );
  }
  return parsed as DevIdpClient[];
}

const idp = await startDevIdp({
  port: Number(process.env.DEV_IDP_PORT ?? 8788),
  host: process.env.DEV_IDP_HOST ?? '127.0.0.1',
  issuer: process.env.DEV_IDP_ISSUER || undefined,
  clients: clientsFromEnv(process.env.DEV_IDP_CLIENTS),
  accounts: DEMO_ACCOUNTS,
});

console.log(`dev IdP (Acme SSO) at ${idp.issuer}`);
for (const account of DEMO_ACCOUNTS) {
  console.log(`  ${account.email} / ${account.password}  (${account.name}, ${account.roles.join(', ')})`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
