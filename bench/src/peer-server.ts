// The peer: oidc-provider (a certified OAuth 2.0 / OpenID Connect server) doing the same job as our refresh,
// in a child process of its own: its refresh_token grant with rotation, answering with an ES256 JWT access
// token for a resource server, and its client_credentials grant. Storage is an unbounded Map (the bundled
// memory adapter is an LRU of 1,000 entries, which would drop most of thousands of refresh tokens).
//   node bench/src/peer-server.ts <tokens-file> <count>
// mints <count> refresh tokens through the provider's own models into <tokens-file>, one per line, then
// listens on a free port and prints `listening <port>`.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { createMemoryAdapterFactory } from '../../packages/dev-idp/src/memory-adapter.ts';

export const PEER_CLIENT = { id: 'bench', secret: 'bench-client-secret-0123456789' };
export const PEER_RESOURCE = 'https://api.bench.test';

const [tokensFile, countText] = process.argv.slice(2);
const count = Number(countText ?? 0);
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  adapter: createMemoryAdapterFactory(),
  clients: [
    {
      client_id: PEER_CLIENT.id,
      client_secret: PEER_CLIENT.secret,
      grant_types: ['refresh_token', 'client_credentials', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://cx.bench.test/callback'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [rsa.privateKey.export({ format: 'jwk' }), ec.privateKey.export({ format: 'jwk' })] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  scopes: ['openid', 'offline_access', 'api'],
  rotateRefreshToken: true,
  findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub }) }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => PEER_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: PEER_RESOURCE,
        accessTokenTTL: 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
  ttl: { RefreshToken: 86_400, AccessToken: 900, ClientCredentials: 900, Grant: 86_400 },
});
provider.on('server_error', (_ctx: unknown, error: unknown) => console.error('[peer] server_error', error));

// What a finished authorization-code flow leaves behind: a grant and its refresh tokens, made by the models.
type Models = {
  Client: { find(id: string): Promise<unknown> };
  RefreshToken: new (init: Record<string, unknown>) => { save(): Promise<string> };
};
const { Client, RefreshToken } = provider as unknown as Models;
const client = await Client.find(PEER_CLIENT.id);
const grant = new provider.Grant({ accountId: 'agent-1', clientId: PEER_CLIENT.id });
grant.addOIDCScope('offline_access');
grant.addResourceScope(PEER_RESOURCE, 'api');
const grantId = await grant.save();
const tokens: string[] = [];
for (let i = 0; i < count; i++) {
  const token = new RefreshToken({
    client,
    accountId: 'agent-1',
    grantId,
    gty: 'authorization_code',
    scope: 'offline_access api',
    resource: PEER_RESOURCE,
    authTime: Math.floor(Date.now() / 1000),
  });
  tokens.push(await token.save());
}
if (tokensFile) await writeFile(tokensFile, tokens.join('\n'));

server.on('request', provider.callback());
console.log(`listening ${port}`);
