// deskgate's API under load: the node entry (apps/api/src/main.ts) as operators run it, in a child process,
// on SQLite or PostgreSQL; the credentials it is asked to take are made beforehand through the app's own
// services (sessions, exchange tokens) or signed as a platform would (JWTs), so the load measures the serving.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  deriveKeys,
  generateApiKey,
  generateMasterKey,
  parseMasterKey,
  RATE_LIMIT_RULES,
  type Store,
  type TenantConfig,
  type UserRecord,
} from '@deskgate/core';
import { COOKIE_ACCESS, COOKIE_REFRESH, paths, SDK_HEADER } from '@deskgate/protocol';
import { createSqliteStore, openStore } from '@deskgate/store';
import { SignJWT } from 'jose';
import { ExchangeService } from '../../apps/api/src/services/exchange.ts';
import { KeyRing } from '../../apps/api/src/services/keyring.ts';
import { SessionService } from '../../apps/api/src/services/sessions.ts';
import { TenantService } from '../../apps/api/src/services/tenants.ts';
import { freePort } from '../../apps/api/src/test/instances.ts';
import { parseDockerfile, stageEnv } from '../../scripts/dockerfile.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TENANT = 'bench';
export const ORIGIN = 'https://cx.bench.test';
const JWT_KID = 'bench-session';
/** Platform users the JWT and API-key sign-ins cycle through: created on first sight, updated after. */
const PLATFORM_USERS = 1000;

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface Deployment {
  servers: Server[];
  /** The servers' environment: another server started with it shares their store and keys. */
  env: Record<string, string>;
  store: Store;
  /** Mints what a scenario needs before it runs. */
  sessions(n: number): Promise<{ access: string; refresh: string }[]>;
  exchangeTokens(n: number): Promise<string[]>;
  /** Session-profile platform JWTs (reusable), one per platform user. */
  jwts: string[];
  apiKey: string;
  close(): Promise<void>;
}

/**
 * The Node.js settings the container image runs the API with (its V8 heap sizes, its compile cache, glibc's
 * malloc arenas): the benchmark runs the same.
 */
export function imageNodeEnv(): Record<string, string> {
  const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const env = stageEnv(dockerfile.stages.at(-1)!, dockerfile.globalArgs);
  return Object.fromEntries(
    ['NODE_OPTIONS', 'NODE_COMPILE_CACHE', 'MALLOC_ARENA_MAX'].flatMap((name) =>
      env[name] ? [[name, env[name]]] : [],
    ),
  );
}

/**
 * Starts `node apps/api/src/main.ts` with the image's Node.js settings and resolves once /healthz answers; its
 * output goes nowhere (the request log at info, as in production, written and thrown away).
 */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...nodeArgs, 'apps/api/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    // The benchmark's own DATABASE_URL names the server to make scratch databases on, never the store to use.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL')),
      ...imageNodeEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode})`);
    const up = await fetch(`${url}${paths.health}`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (tries > 300) throw new Error('the API did not start within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Every rate limit out of the way: the benchmark is one client address sending thousands of requests. */
function unlimited(): string {
  return JSON.stringify(
    Object.fromEntries(Object.keys(RATE_LIMIT_RULES).map((rule) => [rule, { limit: 1e9 }])),
  );
}

export async function deploy(options: {
  databaseUrl?: string;
  instances?: number;
  env?: Record<string, string>;
}) {
  const dir = await mkdtemp(join(tmpdir(), 'deskgate-bench-'));
  const masterKey = generateMasterKey();
  const jwtSecret = randomBytes(32).toString('base64url');
  const apiKey = generateApiKey();
  const seedFile = join(dir, 'seed.json');
  await writeFile(
    seedFile,
    JSON.stringify({
      tenants: [
        {
          code: TENANT,
          displayName: 'Bench',
          allowedOrigins: [ORIGIN],
          platformJwt: { profiles: { session: { preset: 'messenger' } } },
          apiKeys: { enabled: true },
          jwtKeys: [{ kid: JWT_KID, profile: 'session', secret: jwtSecret }],
          seedApiKeys: [{ key: apiKey.key }],
        },
      ],
    }),
  );
  const env: Record<string, string> = {
    DESKGATE_DATA_DIR: join(dir, 'data'),
    DESKGATE_MASTER_KEY: masterKey,
    DESKGATE_SEED_FILE: seedFile,
    DESKGATE_PUBLIC_URL: 'https://auth.bench.test',
    DESKGATE_RATE_LIMITS: unlimited(),
    LOG_LEVEL: 'info',
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
    ...options.env,
  };
  const servers: Server[] = [];
  for (let i = 0; i < (options.instances ?? 1); i++) servers.push(await startServer(env));

  // The bench's own view of the same store, with the same master key: the app's services mint credentials. On
  // SQLite it checkpoints nothing in the background: the server's worker does that, as in a deployment, and a
  // second one in this process would add checkpoints (and lock waits) no deployment has.
  const store = options.databaseUrl
    ? openStore({ databaseUrl: options.databaseUrl, dataDir: join(dir, 'data') })
    : createSqliteStore({ filename: join(dir, 'data', 'deskgate.sqlite') });
  const keys = await deriveKeys(parseMasterKey(masterKey));
  const tenants = new TenantService(store, keys, Date.now);
  const tenant = (await tenants.get(TENANT)) as TenantConfig;
  const keyring = new KeyRing(store, keys);
  const sessions = new SessionService({ store, keys, keyring, issuer: env.DESKGATE_PUBLIC_URL! });
  const exchange = new ExchangeService({ store, sessions, publicUrl: env.DESKGATE_PUBLIC_URL! });
  const now = Date.now();
  const user: UserRecord = {
    id: crypto.randomUUID(),
    tenant: TENANT,
    email: 'agent@bench.test',
    name: 'Bench Agent',
    roles: ['deepdesk.agent'],
    confirmed: true,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
  };
  await store.createUserWithIdentity(user, {
    tenant: TENANT,
    issuer: 'platform:session',
    subject: 'bench-agent',
    userId: user.id,
    createdAt: now,
  });
  const cookie = (issued: { cookies: { name: string; value: string }[] }, name: string) =>
    `${name}=${issued.cookies.find((c) => c.name === name)!.value}`;
  const identity = { issuer: 'platform:session', subject: 'bench-agent' };

  const iat = Math.floor(Date.now() / 1000);
  const secret = new TextEncoder().encode(jwtSecret);
  const jwts = await Promise.all(
    Array.from({ length: PLATFORM_USERS }, (_, i) =>
      new SignJWT({ deskpro_id: `agent-${i}`, email: `agent-${i}@bench.test`, name: `Agent ${i}` })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: JWT_KID })
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(secret),
    ),
  );

  return {
    servers,
    env,
    store,
    jwts,
    apiKey: apiKey.key,
    async sessions(n: number) {
      const out: { access: string; refresh: string }[] = [];
      for (let i = 0; i < n; i++) {
        const issued = await sessions.start(tenant, user, 'jwt', Date.now(), null, identity);
        out.push({ access: cookie(issued, COOKIE_ACCESS), refresh: cookie(issued, COOKIE_REFRESH) });
      }
      return out;
    },
    async exchangeTokens(n: number) {
      const issued = await sessions.start(tenant, user, 'jwt', Date.now(), null, identity);
      const access = issued.cookies.find((c) => c.name === COOKIE_ACCESS)!.value;
      const { session: source } = await sessions.readRecord(tenant, access, Date.now());
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const link = await exchange.mint(tenant, source, paths.collection(TENANT), Date.now());
        out.push(new URL(link.url).hash.slice('#token='.length));
      }
      return out;
    },
    async close() {
      await Promise.all(servers.map((s) => s.stop()));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  } satisfies Deployment;
}

/** The SDK's request headers: its Origin and the header that forces a CORS preflight for writes. */
export const SDK_HEADERS = { origin: ORIGIN, [SDK_HEADER]: '1', 'content-type': 'application/json' };
