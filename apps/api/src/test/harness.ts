// Integration-test harness: createApp on a real SQLite file, a real OpenID Provider on loopback, a movable clock.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  type AuditEventRecord,
  base64urlEncode,
  DEFAULT_STAFF_PERMISSIONS,
  type DerivedKeys,
  deriveKeys,
  RATE_LIMIT_RULES,
  type RateLimitSettings,
  type Store,
  sha256,
  type UserRecord,
} from '@deskgate/core';
import { type DevAccount, type DevIdp, loginHeadless, startDevIdp } from '@deskgate/dev-idp';
import {
  COOKIE_ACCESS,
  COOKIE_REFRESH,
  type CreateAttemptResponse,
  paths,
  type RedeemAttemptResponse,
  SDK_HEADER,
} from '@deskgate/protocol';
import { createSqliteStore } from '@deskgate/store';
import pino from 'pino';
import { createApp } from '../app.ts';
import { loadAdminAssets, loadReferenceAssets } from '../assets.ts';
import type { Deps } from '../deps.ts';
import { BackgroundWork } from '../services/background.ts';
import { KeyRing } from '../services/keyring.ts';
import { Metrics } from '../services/metrics.ts';
import { SessionService } from '../services/sessions.ts';
import { TenantService } from '../services/tenants.ts';
import { describeFindings, logSources, SecretWitness, type Source } from './secret-scan.ts';
import { storedAudit, watchStore, within, witnessApp, witnessOutbound } from './witness.ts';

export const PUBLIC_URL = 'https://auth.test';
export const CX_ORIGIN = 'https://cx.test';
export const TENANT = 'acme';
export const CLIENT_SECRET = 'integration-client-secret-0123456789';
export const AGENT = { email: 'agent@demo.test', password: 'agent' };
/** The staff provider's client at the dev IdP (staff SSO tests). */
export const STAFF_CLIENT = { clientId: 'deskgate-staff', clientSecret: 'staff-client-secret-0123456789' };

/** A cookie jar that honours Path, as a browser would (the refresh cookie only goes to /auth/refresh). */
export class Jar {
  readonly cookies = new Map<string, { value: string; path: string; attributes: string }>();

  store(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const path = attrs.find((a) => a.startsWith('Path='))?.slice(5) ?? '/';
      if (attrs.includes('Max-Age=0') || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path, attributes: line });
    }
  }

  header(path: string): string | undefined {
    const sent = [...this.cookies].filter(
      ([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
    );
    return sent.length ? sent.map(([n, c]) => `${n}=${c.value}`).join('; ') : undefined;
  }

  get(name: string) {
    return this.cookies.get(name)?.value;
  }
}

export interface Harness {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  store: Store;
  /** The SQLite file behind `store`, for a test that reads it directly (a second connection, reads only). */
  databaseFile: string;
  idp: DevIdp;
  logs: string[];
  advance(ms: number): void;
  /** Resolves once the work requests left running (a magic-link request's mail) is done. */
  idle(): Promise<void>;
  now(): number;
  /** A request as the SDK on the CX page sends it (Origin, JSON, SDK header, its own cookie jar). */
  sdk(
    path: string,
    init?: {
      method?: string;
      body?: unknown;
      jar?: Jar;
      origin?: string;
      headers?: Record<string, string>;
      /** The client's socket address. @default '192.0.2.1' */
      ip?: string;
    },
  ): Promise<Response>;
  /** A top-level navigation in the popup (first-party on the API's site). */
  page(
    pathOrUrl: string,
    jar: Jar,
    init?: { method?: string; headers?: Record<string, string>; body?: string; ip?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** Read once: every harness serves the same reference viewer files. */
const referenceAssets = loadReferenceAssets();
/** The built admin console (apps/admin/dist), when it was built; without it the console answers 404. */
const adminAssets = loadAdminAssets();

export async function createHarness(options?: {
  fetch?: typeof fetch;
  /** Overrides of the tenant, or a function of the IdP's issuer returning them. */
  tenant?: Record<string, unknown> | ((issuer: string) => Record<string, unknown>);
  rateLimits?: Deps['rateLimits'];
  trustedProxyHops?: number;
  /** Who can sign in at the dev IdP (default: the demo's agent and manager); a test may change them later. */
  idpAccounts?: DevAccount[];
  /** The admin console's files: `null` for none (not built). @default apps/admin/dist when it was built */
  admin?: Deps['admin'] | null;
  /** Staff SSO with the dev IdP as the staff provider (client STAFF_CLIENT), for this staff domain. */
  staff?: { domain: string; permissions?: string[] };
  /** GET /metrics on the app's port with this bearer token (DESKGATE_METRICS_TOKEN). */
  metricsToken?: string;
  /** What the app sees of the store: a test may put a store that fails in front of the real one. */
  wrapStore?: (store: Store) => Store;
  /** A shutdown began: /readyz answers 503. */
  draining?: () => boolean;
  /**
   * Only for a test that plants a secret in a log, an audit entry or an error body on purpose: close() then
   * skips the secret scan (every other harness fails its close() on any leak; see test/secret-scan.ts).
   */
  plantsLeaks?: true;
}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'deskgate-api-'));
  const databaseFile = join(dir, 'test.sqlite');
  const store = createSqliteStore({ filename: databaseFile });
  await store.migrate();
  const masterKey = crypto.getRandomValues(new Uint8Array(32));
  const keys = await deriveKeys(masterKey);
  // Every harness is a witness: it records the secrets the run handles, and close() scans for them.
  const witness = new SecretWitness();
  recordConfiguredSecrets(witness, masterKey, keys, options);
  const audited = watchStore(store, keys, witness);
  const appStore = options?.wrapStore ? options.wrapStore(store) : store;
  let offset = 0;
  const now = () => Date.now() + offset;
  const idp = await startDevIdp({
    port: 0,
    ...(options?.idpAccounts && { accounts: options.idpAccounts }),
    clients: [
      {
        clientId: 'deskgate-test',
        clientSecret: CLIENT_SECRET,
        redirectUris: [`${PUBLIC_URL}/t/${TENANT}/auth/sso/callback`],
      },
      { ...STAFF_CLIENT, redirectUris: [`${PUBLIC_URL}/staff/callback`] },
    ],
  });
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const tenantOverrides =
    typeof options?.tenant === 'function' ? options.tenant(idp.issuer) : options?.tenant;
  witness.recordJson(tenantOverrides, 'the tenant of createHarness');
  await new TenantService(store, keys, now).save(
    {
      code: TENANT,
      displayName: 'Acme',
      allowedOrigins: [CX_ORIGIN],
      oidc: {
        id: 'acme-idp',
        displayName: 'Acme SSO',
        issuer: idp.issuer,
        clientId: 'deskgate-test',
        clientSecret: CLIENT_SECRET,
        // The dev IdP puts roles in its ID tokens, as the demo's does; roles.test.ts covers IAM off.
        roleIam: true,
      },
      ...tenantOverrides,
    },
    'create',
  );
  const background = new BackgroundWork();
  const deps: Deps = {
    background,
    store: appStore,
    keys,
    publicUrl: PUBLIC_URL,
    now,
    logger,
    fetch: witnessOutbound(options?.fetch ?? globalThis.fetch, witness),
    reference: await referenceAssets,
    admin: options?.admin === undefined ? await adminAssets : (options.admin ?? undefined),
    rateLimits: options?.rateLimits,
    trustedProxyHops: options?.trustedProxyHops,
    metrics: new Metrics({ store: appStore }),
    ...(options?.metricsToken && { metricsToken: options.metricsToken }),
    ...(options?.draining && { draining: options.draining }),
    ...(options?.staff && {
      staff: {
        issuer: idp.issuer,
        clientId: STAFF_CLIENT.clientId,
        clientSecret: STAFF_CLIENT.clientSecret,
        domain: options.staff.domain,
        permissions: options.staff.permissions ?? [...DEFAULT_STAFF_PERMISSIONS],
      },
    }),
  };
  const app = createApp(deps);
  witnessApp(app, witness);
  const defaultJar = new Jar();

  const harness: Harness = {
    app,
    deps,
    store,
    databaseFile,
    idp,
    logs,
    now,
    advance: (ms) => {
      offset += ms;
    },
    idle: () => background.idle(),
    async sdk(path, init = {}) {
      const jar = init.jar ?? defaultJar;
      const headers: Record<string, string> = {
        origin: init.origin ?? CX_ORIGIN,
        [SDK_HEADER]: '1',
        ...init.headers,
      };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const cookie = jar.header(path);
      if (cookie) headers.cookie = cookie;
      const response = await app.request(
        `${PUBLIC_URL}${path}`,
        {
          method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
          headers,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        },
        socket(init.ip),
      );
      jar.store(response);
      return response;
    },
    async page(pathOrUrl, jar, init = {}) {
      const url = new URL(pathOrUrl, PUBLIC_URL);
      const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
      const cookie = jar.header(url.pathname);
      if (cookie) headers.cookie = cookie;
      const response = await app.request(
        url.href,
        { method: init.method ?? 'GET', headers, body: init.body },
        socket(init.ip),
      );
      jar.store(response);
      return response;
    },
    async close() {
      const scan = !options?.plantsLeaks;
      let audit: AuditEventRecord[] = [];
      let outbox: Source[] = [];
      if (scan) {
        // Work left running after an answer (a mail, its log line) belongs to the run; bounded, never a hang.
        await within(Promise.all([background.idle(), witness.settled()]), 2_000);
        audit = await storedAudit(store, audited);
        // What the outbox keeps in the clear (subject, last delivery error): `mail list` prints it.
        outbox = await store.listMail({ limit: 1_000_000 }).then(
          (mails) =>
            mails.map((m) => ({
              where: `outbox entry ${m.template} ${m.id}`,
              text: `${m.subject}\n${m.lastError ?? ''}`,
            })),
          () => [],
        );
      }
      await idp.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
      if (!scan) return;
      const findings = witness.scan([
        ...logSources(logs),
        ...audit.map((e) => ({ where: `audit entry ${e.type} ${e.id}`, text: JSON.stringify(e) })),
        ...outbox,
        ...witness.errorBodies,
      ]);
      if (findings.length) throw new Error(describeFindings(findings));
    },
  };
  witnesses.set(harness, witness);
  return harness;
}

const witnesses = new WeakMap<Harness, SecretWitness>();

/** What the harness recorded so far (secret-scan.test.ts checks it saw every kind of token). */
export function secretWitness(h: Harness): SecretWitness {
  const witness = witnesses.get(h);
  if (!witness) throw new Error('not a harness of createHarness');
  return witness;
}

/** The secrets the harness itself configures: master key (and what is derived from it), client secrets. */
function recordConfiguredSecrets(
  witness: SecretWitness,
  masterKey: Uint8Array,
  keys: DerivedKeys,
  options: { metricsToken?: string } | undefined,
) {
  const bytes = Buffer.from(masterKey);
  for (const text of [base64urlEncode(masterKey), bytes.toString('base64'), bytes.toString('hex')])
    witness.record('master key', text);
  for (const [name, key] of [
    ['refresh-successor key', keys.refreshSuccessor],
    ['attempt-proof key', keys.attemptProof],
  ] as const) {
    const raw = key.export();
    witness.record(name, raw.toString('base64url'));
    witness.record(name, raw.toString('hex'));
  }
  witness.record('tenant OIDC client secret', CLIENT_SECRET);
  witness.record('staff OIDC client secret', STAFF_CLIENT.clientSecret);
  witness.record('metrics token', options?.metricsToken);
}

/** Rate limits out of reach: for suites that send thousands of requests from one address (fuzzing, CSRF matrix). */
export function unlimitedRateLimits(): RateLimitSettings {
  return Object.fromEntries(
    Object.keys(RATE_LIMIT_RULES).map((name) => [name, { limit: 1_000_000_000, windowSeconds: 60 }]),
  ) as RateLimitSettings;
}

/** The bindings @hono/node-server passes: the client's socket address. */
export function socket(ip = DEFAULT_CLIENT_IP) {
  return { incoming: { socket: { remoteAddress: ip } } };
}
export const DEFAULT_CLIENT_IP = '192.0.2.1';

export function randomVerifier() {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

export async function createAttempt(h: Harness, jar = new Jar()) {
  const verifier = randomVerifier();
  const response = await h.sdk(paths.attempts(TENANT), {
    body: { challenge: await sha256(verifier), challengeMethod: 'S256' },
    jar,
  });
  if (response.status !== 201) throw new Error(`attempt: ${response.status} ${await response.text()}`);
  return { verifier, attempt: (await response.json()) as CreateAttemptResponse, sdkJar: jar };
}

/** Fetch Metadata of a click on a link of our own chooser page, as browsers send it. */
export const CHOOSER_CLICK = {
  'sec-fetch-site': 'same-origin',
  'sec-fetch-user': '?1',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
};

/** Runs the popup part up to the IdP: sign-in page (binds this browser), then /sso/start. */
export async function startSso(h: Harness, signInUrl: string, popup: Jar) {
  const chooser = await h.page(signInUrl, popup);
  if (chooser.status !== 200) throw new Error(`signin page: ${chooser.status}`);
  const href = /href="([^"]*\/sso\/start[^"]*)"/.exec(await chooser.text())?.[1]?.replace(/&amp;/g, '&');
  if (!href) throw new Error('no SSO link on the chooser');
  const start = await h.page(href, popup, { headers: CHOOSER_CLICK });
  if (start.status !== 302) throw new Error(`sso/start: ${start.status}`);
  return start.headers.get('location')!;
}

/** The whole popup journey with the real IdP; returns the callback response. */
export async function popupSignIn(
  h: Harness,
  signInUrl: string,
  popup = new Jar(),
  credentials: Parameters<typeof loginHeadless>[1] = AGENT,
) {
  const authorizationUrl = await startSso(h, signInUrl, popup);
  const callback = await loginHeadless(authorizationUrl, credentials);
  return { callback: await h.page(callback.href, popup), callbackUrl: callback, popup };
}

/** The error code of a JSON error body, or of an HTML error page (`data-error-code`). */
export async function errorCode(response: Response): Promise<string> {
  const text = await response.text();
  const html = /data-error-code="([a-z_]+)"/.exec(text)?.[1];
  return html ?? (JSON.parse(text) as { error: { code: string } }).error.code;
}

export function proofFrom(html: string): string {
  const json = /<script type="application\/json" id="deskgate-data">(.*?)<\/script>/s.exec(html)?.[1];
  if (!json) throw new Error('no completion data on the page');
  return (JSON.parse(json) as { proof: string }).proof;
}

/** Full fast-path sign-in: attempt, popup, completion page proof, redeem. Returns the SDK's jar. */
export async function signIn(h: Harness, jar = new Jar()) {
  const { verifier, attempt } = await createAttempt(h, jar);
  const { callback, popup } = await popupSignIn(h, attempt.signInUrl);
  const complete = await h.page(callback.headers.get('location')!, popup);
  const proof = proofFrom(await complete.text());
  const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
    body: { verifier, proof },
    jar,
  });
  if (redeem.status !== 200) throw new Error(`redeem: ${redeem.status} ${await redeem.text()}`);
  return { jar, attempt, redeem, body: (await redeem.json()) as RedeemAttemptResponse };
}

/**
 * A stored user with `roles` and a live session of `method` for them, started through the app's own session
 * service (the same store and keys), in a new jar: for tests about what a signed-in role may do.
 */
export async function sessionAs(
  h: Harness,
  roles: string[],
  method = 'sso',
): Promise<{ jar: Jar; user: UserRecord }> {
  const now = h.now();
  const user: UserRecord = {
    id: crypto.randomUUID(),
    tenant: TENANT,
    email: `${crypto.randomUUID().slice(0, 8)}@acme.test`,
    name: `Holder of ${roles.join(' ')}`,
    roles,
    confirmed: true,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
  };
  await h.store.createUserWithIdentity(user, {
    tenant: TENANT,
    issuer: 'test',
    subject: user.id,
    userId: user.id,
    createdAt: now,
  });
  const sessions = new SessionService({
    store: h.store,
    keys: h.deps.keys,
    keyring: new KeyRing(h.store, h.deps.keys),
    issuer: PUBLIC_URL,
  });
  const tenant = (await new TenantService(h.store, h.deps.keys, h.now).get(TENANT))!;
  const issued = await sessions.start(tenant, user, method, now);
  const jar = new Jar();
  for (const cookie of issued.cookies)
    jar.cookies.set(cookie.name, { value: cookie.value, path: cookie.path, attributes: '' });
  return { jar, user };
}

export { COOKIE_ACCESS, COOKIE_REFRESH };
