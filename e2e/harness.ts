// End-to-end harness: two HTTPS sites on loopback (cx.test = the CX platform's agent desktop, auth.test =
// the deskgate API), a real OpenID Provider, and one headless Chromium per spec file.
//
//   https://cx.test:<cxPort>     apps/demo, in-process, loads {api}/sdk/deskgate.js by script tag
//   https://auth.test:<apiPort>  apps/api/src/main.ts as a child process (HTTPS, fresh data dir, test clock)
//   http://127.0.0.1:<idpPort>   @deskgate/dev-idp, in-process
//
// Chromium maps *.test to 127.0.0.1 (--host-resolver-rules); the certificate is self-signed for both names and
// generated per run. Node-side requests trust exactly that certificate (never NODE_TLS_REJECT_UNAUTHORIZED).

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEMO_ACCOUNTS, type DevAccount, type DevIdp, startDevIdp } from '@deskgate/dev-idp';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Demo, startDemo } from '../apps/demo/src/index.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TENANT = 'acme';
export const PRODUCT = 'Deepdesk';
export const SIGN_IN_BUTTON = `Sign in to ${PRODUCT}`;
export const AGENT: DevAccount =
  DEMO_ACCOUNTS.find((a) => a.email === 'agent@demo.test') ?? DEMO_ACCOUNTS[0]!;
/** Where a hosted-page or SDK flow may take a few round trips; well below node:test's own limits. */
export const STEP_TIMEOUT_MS = 15_000;

const execFileAsync = promisify(execFile);
const HEALTH_TIMEOUT_MS = 30_000;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--host-resolver-rules=MAP *.test 127.0.0.1',
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// ---------------------------------------------------------------------------------------------------------
// Building blocks (the control spec uses these without the API)

export interface TlsFiles {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** A fresh temp dir under .e2e-tmp/ (gitignored); removed by the caller. */
export async function makeTempDir(prefix: string): Promise<string> {
  const base = join(ROOT, '.e2e-tmp');
  await mkdir(base, { recursive: true });
  return mkdtemp(join(base, `${prefix}-`));
}

/** A self-signed certificate for cx.test and auth.test, valid two days, generated into `dir`. */
export async function createCertificate(dir: string): Promise<TlsFiles> {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=deskgate-e2e',
    '-addext',
    'subjectAltName=DNS:cx.test,DNS:auth.test',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { dir, certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** What the browser said, kept so a failing test can print it. */
export class BrowserLog {
  readonly lines: string[] = [];
  private readonly started = Date.now();

  add(line: string): void {
    this.lines.push(`+${((Date.now() - this.started) / 1000).toFixed(2)}s ${line}`);
  }

  /** Records console errors and warnings, page errors and failed requests of every page of `context`. */
  watch(context: BrowserContext, label: string): void {
    context.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        this.add(`[${label} console.${message.type()}] ${message.page()?.url() ?? ''}: ${message.text()}`);
      }
    });
    context.on('weberror', (error) => this.add(`[${label} pageerror] ${error.error().message}`));
    context.on('requestfailed', (request) => {
      this.add(
        `[${label} requestfailed] ${request.method()} ${request.url()}: ${request.failure()?.errorText}`,
      );
    });
  }

  clear(): void {
    this.lines.length = 0;
  }
}

export async function newBrowserContext(
  browser: Browser,
  log?: BrowserLog,
  label = 'ctx',
): Promise<BrowserContext> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  log?.watch(context, label);
  return context;
}

/** An HTTPS request from Node to a server behind `servername`, trusting only the e2e certificate. */
export function httpsJson(
  options: { port: number; servername: string; ca: Buffer },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: options.port,
        servername: options.servername,
        ca: options.ca,
        method,
        path,
        timeout: 10_000,
        headers: {
          host: `${options.servername}:${options.port}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The full stack

export interface SignInOptions {
  /**
   * The CX page sends COOP (see `gotoCx`): the popup has no opener, so the flow ends on the completion
   * page's code confirmation (the SDK's polling fallback) instead of the postMessage fast path.
   */
  coop?: boolean;
  /** With `coop`: click "Yes, the codes match" (default) or stop before, returning the popup and its code. */
  confirm?: boolean;
  account?: DevAccount;
}

export interface SignInResult {
  popup: Page;
  /** With `coop`: the code the completion page showed (the overlay showed the same one). */
  code?: string;
  /** The sign-in URL the SDK pointed the popup at. */
  signInUrl: string;
}

export interface Harness {
  /** https://auth.test:<port> */
  apiUrl: string;
  /** https://cx.test:<port> */
  cxUrl: string;
  idpIssuer: string;
  tenant: string;
  browser: Browser;
  log: BrowserLog;
  /** Moves the API's clock forward (POST /__test__/clock); the browser's clock is left alone. */
  advanceApiClock(ms: number): Promise<void>;
  /** A fresh browser profile (own cookies, own partitions) with ignoreHTTPSErrors. */
  newContext(label?: string): Promise<BrowserContext>;
  /** Opens the CX page; with `coop`, it is served with `Cross-Origin-Opener-Policy: same-origin`. */
  gotoCx(page: Page, options?: { coop?: boolean }): Promise<void>;
  /** Clicks the overlay's button and signs in through the popup (chooser, IdP form, completion). */
  signInThroughPopup(page: Page, options?: SignInOptions): Promise<SignInResult>;
  /** A new context with one CX page, signed in through the popup. */
  signedInPage(label?: string): Promise<{ context: BrowserContext; page: Page }>;
  /** For afterEach: prints the API log and browser log when the test failed, then clears the browser log. */
  report(t: { name: string }): void;
  apiLog(): string;
  stop(): Promise<void>;
}

/** The SDK's global as the specs read it inside page.evaluate. */
export interface DeskgateWindow {
  deskgate?: { session: { user: { email: string | null; name: string | null } } | null };
}

/** Locators the specs share. The overlay lives in an open shadow root; Playwright's locators pierce it. */
export const ui = {
  overlay: (page: Page) => page.locator('[data-deskgate-overlay]'),
  signInButton: (page: Page) => page.getByRole('button', { name: SIGN_IN_BUTTON }),
  overlayCode: (page: Page) => page.locator('[data-deskgate-overlay] [part="code"]'),
  agentStatus: (page: Page) => page.locator('#agent-status'),
};

/** Waits until the demo page reports a deskgate state (`signed-in` / `signed-out`) in #agent-status. */
export async function waitForAgentState(page: Page, state: 'signed-in' | 'signed-out'): Promise<void> {
  await page.locator(`#agent-status[data-state="${state}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
}

/**
 * Clicks "Yes, the codes match" on the completion page and checks the API accepted it, so a refused
 * confirmation fails here with its error code rather than later as a timeout.
 */
export async function confirmCodes(popup: Page): Promise<void> {
  const confirmed = popup.waitForResponse(
    (r) => r.request().method() === 'POST' && /\/auth\/attempts\/[^/]+\/confirm/.test(r.url()),
  );
  await popup.getByRole('button', { name: 'Yes, the codes match' }).click();
  const response = await confirmed;
  if (response.status() !== 200) {
    const html = await response.text().catch(() => '');
    const code = /data-error-code="([^"]+)"/.exec(html)?.[1];
    const origin = (await response.request().headerValue('origin')) ?? '(none)';
    throw new Error(
      `confirming the code was refused: ${response.status()} ${code ?? html.slice(0, 200)} (request Origin: ${origin})`,
    );
  }
}

/** For afterEach hooks: node:test's TestContext has `passed` at run time (not yet in @types/node). */
export function testFailed(t: { name: string }): boolean {
  return (t as { passed?: boolean }).passed === false;
}

export async function startHarness(): Promise<Harness> {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const log = new BrowserLog();
  const tmp = await makeTempDir('run');
  cleanups.push(() => (process.env.E2E_KEEP_TMP ? undefined : rm(tmp, { recursive: true, force: true })));
  const logFile = join(tmp, 'api.log');
  let child: ChildProcess | undefined;
  const killChild = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  // If this test process dies without running `after`, the API must not outlive it.
  process.once('exit', killChild);

  async function stop(): Promise<void> {
    process.off('exit', killChild);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.error('[e2e] cleanup failed:', error);
      }
    }
    cleanups.length = 0;
  }

  try {
    const tls = await createCertificate(tmp);
    const apiPort = await freePort();
    const apiUrl = `https://auth.test:${apiPort}`;
    const apiTarget = { port: apiPort, servername: 'auth.test', ca: tls.cert };

    // The demo first: its port makes the allowed origin in the seed.
    const demo: Demo = await startDemo({
      port: 0,
      host: '127.0.0.1',
      apiUrl,
      tenant: TENANT,
      tls: { key: tls.key, cert: tls.cert },
    });
    cleanups.push(() => demo.close());
    const cxUrl = `https://cx.test:${new URL(demo.url).port}`;

    const clientId = 'deskgate-e2e';
    const clientSecret = `e2e-secret-${Math.random().toString(36).slice(2)}`;
    const idp: DevIdp = await startDevIdp({
      port: 0,
      host: '127.0.0.1',
      clients: [{ clientId, clientSecret, redirectUris: [`${apiUrl}/t/${TENANT}/auth/sso/callback`] }],
    });
    cleanups.push(() => idp.close());

    const seedFile = join(tmp, 'seed.json');
    const seed = {
      tenants: [
        {
          code: TENANT,
          displayName: 'Acme (e2e)',
          allowedOrigins: [cxUrl],
          oidc: {
            id: 'acme-sso',
            displayName: 'Acme SSO',
            issuer: idp.issuer,
            clientId,
            clientSecret,
            scopes: ['openid', 'email', 'profile'],
            roleClaim: 'roles',
          },
        },
      ],
    };
    await writeFile(seedFile, `${JSON.stringify(seed, null, 2)}\n`);

    const logFd = openSync(logFile, 'a');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TLS_REJECT_UNAUTHORIZED;
    delete env.DATABASE_URL;
    delete env.DESKGATE_MASTER_KEY;
    child = spawn(process.execPath, ['apps/api/src/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', logFd, logFd],
      env: {
        ...env,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        DESKGATE_PUBLIC_URL: apiUrl,
        DESKGATE_DATA_DIR: join(tmp, 'data'),
        DESKGATE_SEED_FILE: seedFile,
        DESKGATE_TLS_CERT: tls.certFile,
        DESKGATE_TLS_KEY: tls.keyFile,
        DESKGATE_UNSAFE_TEST_CLOCK: '1',
        // Exactly the dist/ that `pnpm --filter @deskgate/sdk build` just wrote.
        DESKGATE_SDK_DIR: join(ROOT, 'packages/sdk/dist'),
        LOG_LEVEL: 'warn',
      },
    });
    closeSync(logFd);
    const api = child;
    const exited = new Promise<void>((resolve) => api.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (api.exitCode !== null || api.signalCode !== null) return;
      api.kill('SIGTERM');
      const timer = setTimeout(() => api.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    });

    const apiLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    await waitForHealth(api, apiTarget, apiLog);

    const browser = await launchBrowser();
    cleanups.push(() => browser.close());

    const harness: Harness = {
      apiUrl,
      cxUrl,
      idpIssuer: idp.issuer,
      tenant: TENANT,
      browser,
      log,
      apiLog,
      stop,

      async advanceApiClock(ms) {
        const res = await httpsJson(apiTarget, 'POST', '/__test__/clock', { advanceMs: ms });
        if (res.status !== 200)
          throw new Error(`advancing the API clock failed: ${res.status} ${JSON.stringify(res.body)}`);
      },

      newContext(label) {
        return newBrowserContext(browser, log, label);
      },

      async gotoCx(page, options) {
        // COOP comes from the demo server itself (?coop=same-origin). Adding the header with page.route() and
        // route.fulfill() does sever the opener, but Chromium then treats the fulfilled page as outside the
        // loopback address space and Local Network Access blocks its SDK script from auth.test (127.0.0.1).
        await page.goto(options?.coop ? `${cxUrl}/?coop=same-origin` : `${cxUrl}/`);
      },

      async signInThroughPopup(page, options = {}) {
        const account = options.account ?? AGENT;
        const popupEvent = page.context().waitForEvent('page');
        await ui.signInButton(page).click();
        const popup = await popupEvent;
        await popup.waitForURL(/\/auth\/signin\?/);
        const signInUrl = popup.url();
        await popup.getByRole('link', { name: /^Continue with / }).click();
        await popup.locator('#email').fill(account.email);
        await popup.locator('#password').fill(account.password);
        await popup.getByRole('button', { name: 'Sign in', exact: true }).click();

        if (!options.coop) {
          // Fast path: the completion page posts the proof to its opener; the SDK redeems; the overlay goes.
          await ui.overlay(page).waitFor({ state: 'detached' });
          if (!popup.isClosed()) {
            await popup.waitForEvent('close', { timeout: 5_000 }).catch(() => popup.close());
          }
          return { popup, signInUrl };
        }

        const codeElement = popup.locator('[data-confirmation-code]');
        await codeElement.waitFor();
        const code = (await codeElement.textContent())?.trim() ?? '';
        if (options.confirm === false) return { popup, code, signInUrl };
        await ui.overlayCode(page).filter({ hasText: code }).waitFor();
        await confirmCodes(popup);
        await ui.overlay(page).waitFor({ state: 'detached' });
        await popup.close();
        return { popup, code, signInUrl };
      },

      async signedInPage(label = 'agent') {
        const context = await harness.newContext(label);
        const page = await context.newPage();
        await harness.gotoCx(page);
        await harness.signInThroughPopup(page);
        await waitForAgentState(page, 'signed-in');
        return { context, page };
      },

      report(t) {
        if (testFailed(t)) {
          const lines = [
            `\n----- e2e diagnostics for failed test "${t.name}" -----`,
            `API ${apiUrl}  CX ${cxUrl}  IdP ${idp.issuer}`,
            '--- API log (LOG_LEVEL=warn) ---',
            apiLog().trimEnd() || '(empty)',
            '--- browser log ---',
            log.lines.join('\n') || '(empty)',
            '----- end of diagnostics -----\n',
          ];
          console.log(lines.join('\n'));
        }
        log.clear();
      },
    };
    return harness;
  } catch (error) {
    const output = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    await stop();
    if (output) console.error(`[e2e] API log:\n${output}`);
    throw error;
  }
}

async function waitForHealth(
  api: ChildProcess,
  target: { port: number; servername: string; ca: Buffer },
  apiLog: () => string,
): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (api.exitCode !== null || api.signalCode !== null) {
      throw new Error(
        `the API exited (${api.signalCode ?? `code ${api.exitCode}`}) before answering /healthz:\n${apiLog()}`,
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
    `the API did not answer /healthz within ${HEALTH_TIMEOUT_MS} ms (${String(lastError)}):\n${apiLog()}`,
  );
}
