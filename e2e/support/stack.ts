// The stack every spec signs in against, started once per run by the global setup:
//
//   https://cx.test:<cxPort>     apps/demo (Vite preview), loads {api}/sdk/deskgate.js by script tag, and
//                                the demo platform backend (/platform/token, /platform/remote-login), which
//                                signs platform JWTs with the tenant's keys (generated per run)
//   https://auth.test:<apiPort>  apps/api/src/main.ts as a child process (HTTPS, fresh data dir, test clock)
//   http://127.0.0.1:<idpPort>   @deskgate/dev-idp, a real OpenID Provider
//   smtp://127.0.0.1:<smtpPort>  @deskgate/dev-smtp, a real SMTP server that captures what the API sends
//   http://127.0.0.1:<mailPort>  its messages: the page, /messages.json (specs read it: fixtures.ts mailTo)
//
// Browsers map *.test to 127.0.0.1; the certificate is self-signed for both names and generated per run.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_ACCOUNTS, DEMO_STAFF_ACCOUNT, startDevIdp } from '@deskgate/dev-idp';
import { startDevSmtp } from '@deskgate/dev-smtp';
import { startDemo } from '../../apps/demo/src/index.ts';
import { generateApiKey } from '../../packages/core/src/api-key.ts';
import { createCertificate, freePort, type HttpsTarget, httpsJson, makeTempDir, ROOT } from './net.ts';

export const TENANT = 'acme';
/** The tenant's one single sign-on provider (the dev IdP), as the chooser offers it. */
export const SSO_PROVIDER_ID = 'acme-sso';
/** The tenant's name, which the chooser's remote-login link ("Continue with …") carries. */
export const TENANT_DISPLAY_NAME = 'Acme (e2e)';
/** The chooser's single sign-on provider's name. */
export const SSO_DISPLAY_NAME = 'Acme SSO';
const HEALTH_TIMEOUT_MS = 30_000;
/** Staff SSO at the dev IdP (staff.spec.ts): its client, and the staff domain (DEMO_STAFF_ACCOUNT's hd). */
const STAFF_CLIENT_ID = 'deskgate-staff';
export const STAFF_DOMAIN = 'vendor.test';

/** What the specs need to reach the stack; handed to the test workers through the environment. */
export interface StackInfo {
  /** https://auth.test:<port> */
  apiUrl: string;
  /** https://cx.test:<port> */
  cxUrl: string;
  idpIssuer: string;
  /**
   * The dev SMTP server's HTTP side, http://127.0.0.1:<port>: `/messages.json` lists the captured mail newest
   * first, `POST /accepting` `{"accepting": false}` makes the server refuse mail (SMTP down) until `true`.
   */
  mailUrl: string;
  /** The e2e certificate, the only one Node-side requests trust. */
  certFile: string;
  apiLogFile: string;
  /** The tenant API key the seed gives the tenant (the LiveEngage-style widget signs in with it). */
  apiKey: string;
  /** The tenant SCIM token the seed gives the tenant (provisioning.spec.ts). */
  scimToken: string;
  /** The tenant's session-profile platform-JWT key (messenger preset): a spec mints its own tokens with it. */
  platformSessionKey: { kid: string; secret: string };
}

const ENV = 'DESKGATE_E2E_STACK';

export function publishStack(info: StackInfo): void {
  process.env[ENV] = JSON.stringify(info);
}

export function stackInfo(): StackInfo {
  const raw = process.env[ENV];
  if (!raw) throw new Error(`${ENV} is not set: run the e2e suite with Playwright Test (pnpm test:e2e)`);
  return JSON.parse(raw) as StackInfo;
}

export function apiTarget(info: StackInfo): HttpsTarget {
  return {
    port: Number(new URL(info.apiUrl).port),
    servername: 'auth.test',
    ca: readFileSync(info.certFile),
  };
}

export async function startStack(): Promise<{ info: StackInfo; stop(): Promise<void> }> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error('[e2e] cleanup failed:', error);
      }
    }
  };
  const tmp = await makeTempDir('run');
  cleanups.push(() => (process.env.E2E_KEEP_TMP ? undefined : rm(tmp, { recursive: true, force: true })));
  const apiLogFile = join(tmp, 'api.log');
  try {
    const tls = await createCertificate(tmp);
    const apiPort = await freePort();
    const apiUrl = `https://auth.test:${apiPort}`;
    const apiClock: HttpsTarget = { port: apiPort, servername: 'auth.test', ca: tls.cert };
    // The tenant's platform-JWT keys (seed `jwtKeys`), fresh per run: the demo platform signs with them.
    const platformKeys = {
      session: { kid: 'e2e-platform-session', secret: randomBytes(32).toString('base64url') },
      oneTime: { kid: 'e2e-platform-one-time', secret: randomBytes(32).toString('base64url') },
    };

    // The widget's tenant API key (seed `seedApiKeys`), fresh per run; the desktop's widget link carries it.
    const { key: apiKey } = generateApiKey();
    const { key: scimToken } = generateApiKey('dgs_');

    // The demo first: its port makes the allowed origin in the seed.
    const demo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      allowedHosts: ['cx.test'],
      apiUrl,
      tenant: TENANT,
      tls: { key: tls.key, cert: tls.cert },
      apiKey,
      platform: {
        ...platformKeys,
        // The platform's clock is the API's: specs move the API's test clock forward (session.spec.ts), and a
        // token signed by the wall clock would then have expired on arrival.
        now: async () => {
          const res = await httpsJson(apiClock, 'POST', '/__test__/clock', { advanceMs: 0 });
          const now = Date.parse((res.body as { now?: string }).now ?? '');
          if (res.status !== 200 || Number.isNaN(now))
            throw new Error(`the API clock answered ${res.status}`);
          return now;
        },
      },
    });
    cleanups.push(() => demo.close());
    const cxUrl = `https://cx.test:${new URL(demo.url).port}`;

    const clientId = 'deskgate-e2e';
    const clientSecret = `e2e-secret-${Math.random().toString(36).slice(2)}`;
    // The same dev IdP plays the vendor's staff provider (staff SSO), with its own client and staff account.
    const staffSecret = randomBytes(16).toString('base64url');
    const idp = await startDevIdp({
      port: 0,
      host: '127.0.0.1',
      clients: [
        { clientId, clientSecret, redirectUris: [`${apiUrl}/t/${TENANT}/auth/sso/callback`] },
        { clientId: STAFF_CLIENT_ID, clientSecret: staffSecret, redirectUris: [`${apiUrl}/staff/callback`] },
      ],
      accounts: [...DEMO_ACCOUNTS, DEMO_STAFF_ACCOUNT],
    });
    cleanups.push(() => idp.close());

    // Captures what the API's outbox worker sends; published for the specs (fixtures.ts mailTo).
    const smtp = await startDevSmtp({ host: '127.0.0.1', smtpPort: 0, httpPort: 0 });
    cleanups.push(() => smtp.close());

    const seedFile = join(tmp, 'seed.json');
    const seed = {
      tenants: [
        {
          code: TENANT,
          displayName: TENANT_DISPLAY_NAME,
          allowedOrigins: [cxUrl],
          oidc: {
            id: SSO_PROVIDER_ID,
            displayName: SSO_DISPLAY_NAME,
            issuer: idp.issuer,
            clientId,
            clientSecret,
            scopes: ['openid', 'email', 'profile'],
            roleClaim: 'roles',
            // As the demo's seed: the dev IdP's ID tokens carry the roles (the manager signs in as one).
            roleIam: true,
          },
          // The demo platform (e2e/platform-jwt.spec.ts): signedUserInfo and remote login.
          platformJwt: {
            profiles: { session: { preset: 'messenger' }, 'one-time': { preset: 'deskpro' } },
            remoteLogin: { url: `${cxUrl}/platform/remote-login`, returnUrls: [`${cxUrl}/`] },
          },
          jwtKeys: [
            { ...platformKeys.session, profile: 'session' },
            { ...platformKeys.oneTime, profile: 'one-time' },
          ],
          seedApiKeys: [{ key: apiKey, allowedOrigins: [cxUrl] }, { key: scimToken }],
          // Magic links (e2e/magic-link.spec.ts); the stack's SMTP server captures the mail.
          magicLink: { enabled: true },
        },
      ],
    };
    await writeFile(seedFile, `${JSON.stringify(seed, null, 2)}\n`);

    const api = spawnApi(tmp, {
      apiPort,
      apiUrl,
      seedFile,
      tls,
      apiLogFile,
      smtpUrl: smtp.smtpUrl,
      staff: { issuer: idp.issuer, secret: staffSecret },
    });
    // If the runner dies without tearing down, the API must not outlive it.
    const kill = () => api.exitCode === null && api.signalCode === null && api.kill('SIGKILL');
    process.once('exit', kill);
    const exited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
    cleanups.push(async () => {
      process.off('exit', kill);
      if (api.exitCode !== null || api.signalCode !== null) return;
      api.kill('SIGTERM');
      const timer = setTimeout(() => api.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    });
    const info: StackInfo = {
      apiUrl,
      cxUrl,
      idpIssuer: idp.issuer,
      mailUrl: smtp.url,
      certFile: tls.certFile,
      apiLogFile,
      apiKey,
      scimToken,
      platformSessionKey: platformKeys.session,
    };
    await waitForHealth(api, apiTarget(info), () => readLog(apiLogFile));
    return { info, stop };
  } catch (error) {
    const log = readLog(apiLogFile);
    await stop();
    if (log) console.error(`[e2e] API log:\n${log}`);
    throw error;
  }
}

export function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function spawnApi(
  tmp: string,
  o: {
    apiPort: number;
    apiUrl: string;
    seedFile: string;
    tls: { certFile: string; keyFile: string };
    apiLogFile: string;
    smtpUrl: string;
    staff: { issuer: string; secret: string };
  },
): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NODE_TLS_REJECT_UNAUTHORIZED', 'DATABASE_URL', 'DESKGATE_MASTER_KEY', 'MAIL_FROM'])
    delete env[name];
  const logFd = openSync(o.apiLogFile, 'a');
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...env,
      PORT: String(o.apiPort),
      HOST: '127.0.0.1',
      DESKGATE_PUBLIC_URL: o.apiUrl,
      DESKGATE_DATA_DIR: join(tmp, 'data'),
      DESKGATE_SEED_FILE: o.seedFile,
      DESKGATE_TLS_CERT: o.tls.certFile,
      DESKGATE_TLS_KEY: o.tls.keyFile,
      DESKGATE_UNSAFE_TEST_CLOCK: '1',
      SMTP_URL: o.smtpUrl,
      DESKGATE_STAFF_ISSUER: o.staff.issuer,
      DESKGATE_STAFF_CLIENT_ID: STAFF_CLIENT_ID,
      DESKGATE_STAFF_CLIENT_SECRET: o.staff.secret,
      DESKGATE_STAFF_DOMAIN: STAFF_DOMAIN,
      // Exactly the dist/ that `pnpm build` just wrote.
      DESKGATE_SDK_DIR: join(ROOT, 'packages/sdk/dist'),
      LOG_LEVEL: 'warn',
    },
  });
  closeSync(logFd);
  return child;
}

async function waitForHealth(api: ChildProcess, target: HttpsTarget, log: () => string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (api.exitCode !== null || api.signalCode !== null) {
      throw new Error(
        `the API exited (${api.signalCode ?? `code ${api.exitCode}`}) before answering /healthz:\n${log()}`,
      );
    }
    try {
      const res = await httpsJson(target, 'GET', '/healthz');
      if (res.status === 200) return;
      lastError = new Error(`/healthz answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(
    `the API did not answer /healthz within ${HEALTH_TIMEOUT_MS} ms (${String(lastError)}):\n${log()}`,
  );
}
