// The harness as a witness (issue 16's secret scan): it records what passes through the app (requests, answers,
// the app's own outbound fetch, mail and keys written to the store) for test/secret-scan.ts, and keeps every
// error body and audit event for the scan at close().
import { type AuditEventRecord, type DerivedKeys, openSecret, type Store } from '@deskgate/core';
import type { createApp } from '../app.ts';
import { openMailBody } from '../mail/outbox.ts';
import { secretContext as jwtKeySecretContext } from '../services/jwt-keys.ts';
import type { SecretWitness } from './secret-scan.ts';

/** Largest body the witness reads (the app's answers are far smaller; a bigger one is left unread). */
const MAX_WITNESSED_BODY = 1 << 20;
/** Any origin: only the path of a request is named in a finding. */
const BASE = 'https://witness.invalid';

/**
 * Watches the store for secrets that never cross the HTTP boundary in the clear: mail bodies (magic links,
 * access-request links, sealed in the outbox and cleared once sent) and platform JWT keys' secrets (sealed);
 * keeps a copy of every audit event appended, in case a test purges or breaks the store before close().
 */
export function watchStore(store: Store, keys: DerivedKeys, witness: SecretWitness): AuditEventRecord[] {
  const audited: AuditEventRecord[] = [];
  const { enqueueMail, createJwtKey, appendAudit } = store;
  store.enqueueMail = async (mail) => {
    await enqueueMail.call(store, mail);
    if (!mail.bodyEncrypted) return;
    const body = await openMailBody(keys, mail.id, mail.bodyEncrypted).catch(() => undefined);
    if (body) witness.recordText(`${body.text}\n${body.html}`, `mail ${mail.template}`);
  };
  store.createJwtKey = async (key) => {
    await createJwtKey.call(store, key);
    const context = jwtKeySecretContext(key.tenant, key.kid);
    witness.record(
      'platform JWT key secret',
      await openSecret(keys, key.secretEncrypted, context).catch(() => ''),
    );
  };
  store.appendAudit = async (event) => {
    await appendAudit.call(store, event);
    audited.push(event);
  };
  return audited;
}

/** Every audit event in the store (of every tenant), and those appended through the harness's store. */
export async function storedAudit(store: Store, audited: AuditEventRecord[]): Promise<AuditEventRecord[]> {
  const byId = new Map(audited.map((e) => [e.id, e]));
  try {
    const tenants = new Set([
      ...(await store.listTenants()).map((t) => t.code),
      ...audited.map((e) => e.tenant),
    ]);
    for (const code of tenants)
      for (const e of await store.listAudit(code, { limit: 1_000_000 })) byId.set(e.id, e);
  } catch {
    // A test closed or broke the store: the events appended through it are still known.
  }
  return [...byId.values()];
}

/** The app's own outbound fetch (the IdP's token endpoint): records the ID, access and refresh tokens. */
export function witnessOutbound(upstream: typeof fetch, witness: SecretWitness): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await upstream(input, init);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    // Read aside (a clone) and only a small declared JSON body: a hostile test IdP's endless body stays the app's.
    if (response.body && /json/i.test(response.headers.get('content-type') ?? '') && length <= 65_536)
      witness.track(
        readCapped(response.clone(), 65_536).then(
          (text) =>
            text !== undefined && witness.recordBody(text, 'application/json', 'an answer to the app'),
        ),
      );
    return response;
  }) as typeof fetch;
}

async function readCapped(response: Response, max: number): Promise<string | undefined> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * Wraps the app's fetch (which app.request, h.sdk, h.page and a served app all go through) and request (the
 * only place a test's string body is still a string: a stream body is never read here, limits.test.ts counts
 * what is pulled from it). Records the secrets of every request and answer, and keeps every error body.
 */
export function witnessApp(app: ReturnType<typeof createApp>, witness: SecretWitness) {
  const appFetch = app.fetch;
  const appRequest = app.request;
  app.fetch = (async (request: Request, ...rest: [unknown?, unknown?]) => {
    const where = `${request.method} ${pathOf(request.url)}`;
    witnessRequest(request, where, witness);
    const response = await appFetch(request, ...(rest as []));
    return witnessResponse(response, where, witness);
  }) as typeof app.fetch;
  app.request = ((input: string | Request | URL, init?: RequestInit, ...rest: [unknown?, unknown?]) => {
    const body = init?.body;
    if (typeof body === 'string' || body instanceof URLSearchParams) {
      let type = body instanceof URLSearchParams ? 'application/x-www-form-urlencoded' : '';
      try {
        type = new Headers(init?.headers).get('content-type') ?? type;
      } catch {}
      const url = input instanceof Request ? input.url : String(input);
      witness.recordBody(String(body), type, `request body of ${init?.method ?? 'GET'} ${pathOf(url)}`);
    }
    return appRequest(input, init, ...(rest as []));
  }) as typeof app.request;
}

function pathOf(url: string) {
  try {
    return new URL(url, BASE).pathname;
  } catch {
    return '(a bad URL)';
  }
}

function witnessRequest(request: Request, where: string, witness: SecretWitness) {
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const [scheme = '', credential = ''] = authorization.trim().split(/\s+/, 2);
    witness.record(`Authorization ${scheme} (${where})`, credential);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      witness.record(`Authorization Basic password (${where})`, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) witness.record(`cookie ${pair.slice(0, eq).trim()} (sent to ${where})`, pair.slice(eq + 1));
  }
  witness.recordUrl(request.url, where);
}

async function witnessResponse(response: Response, where: string, witness: SecretWitness): Promise<Response> {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq > 0) witness.record(`cookie ${pair.slice(0, eq).trim()} (set by ${where})`, pair.slice(eq + 1));
  }
  const location = response.headers.get('location');
  if (location) witness.recordUrl(location, `the redirect of ${where}`);
  const type = response.headers.get('content-type') ?? '';
  const length = Number(response.headers.get('content-length') ?? 0);
  const failed = response.status >= 400;
  if (
    !response.body ||
    /event-stream/i.test(type) ||
    length > MAX_WITNESSED_BODY ||
    !(failed || /json|html|text\/plain/i.test(type))
  )
    return response;
  // Read here and handed on as a new Response with the same status and headers: no tee, nothing left pending.
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  // An error body is scanned, not a source of secrets: what it may not hold came from elsewhere.
  if (failed) witness.recordErrorBody(text, `${where} → ${response.status}`);
  else witness.recordBody(text, type, `the answer of ${where}`);
  return new Response(bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Waits for `work`, at most `ms`; the timer is cleared (a quick close leaves none behind). */
export async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
