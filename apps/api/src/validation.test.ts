// Contract of request validation: bodies, queries and path parameters fail as 400 validation_failed.
import assert from 'node:assert/strict';
import { sha256 } from '@deskgate/core';
import { paths, SDK_HEADER } from '@deskgate/protocol';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { validationMessage } from './http/validation.ts';
import {
  CX_ORIGIN,
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  PUBLIC_URL,
  randomVerifier,
  TENANT,
} from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const CHALLENGE = 'challenge: must be base64url(SHA-256(verifier)), 43 characters';
const VERIFIER = 'verifier: must be 43-128 base64url characters';
const BODY = 'body: must be a JSON object sent as application/json';

/** Asserts a 400 validation_failed JSON error and returns its message. */
async function failure(response: Response): Promise<string> {
  assert.equal(response.status, 400);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'validation_failed');
  return body.error.message;
}

/** A raw SDK write, for bodies the harness would not produce (not JSON, another media type, none). */
function rawWrite(path: string, body: string | undefined, contentType?: string) {
  const headers: Record<string, string> = { origin: CX_ORIGIN, [SDK_HEADER]: '1' };
  if (contentType) headers['content-type'] = contentType;
  return h.app.request(`${PUBLIC_URL}${path}`, { method: 'POST', headers, body });
}

async function validAttemptBody() {
  return { challenge: await sha256(randomVerifier()), challengeMethod: 'S256' };
}

describe('POST /t/{tenant}/auth/attempts: body', () => {
  const create = (body: unknown) => h.sdk(paths.attempts(TENANT), { body, jar: new Jar() });

  it('names a missing field and what it must be', async () => {
    const message = await failure(await create({ challengeMethod: 'S256' }));
    assert.equal(message, 'challenge: is required and must be base64url(SHA-256(verifier)), 43 characters');
  });

  it('refuses a wrong type without repeating the value', async () => {
    const message = await failure(await create({ ...(await validAttemptBody()), challenge: 4242424242 }));
    assert.equal(message, CHALLENGE);
    assert.doesNotMatch(message, /4242424242/);
  });

  it('refuses a too short and a badly encoded challenge without repeating it', async () => {
    for (const challenge of ['my-secret-value', `${'A'.repeat(42)}+`, `${'A'.repeat(42)}=`]) {
      const message = await failure(await create({ challenge, challengeMethod: 'S256' }));
      assert.equal(message, CHALLENGE);
      assert.ok(!message.includes(challenge), 'the submitted challenge is not echoed');
    }
  });

  it('refuses a wrong enum or literal, saying which values are allowed', async () => {
    const body = await validAttemptBody();
    assert.equal(
      await failure(await create({ ...body, challengeMethod: 'plain' })),
      'challengeMethod: must be S256',
    );
    const locale = await failure(await create({ ...body, locale: 'fr-FR' }));
    assert.equal(locale, 'locale: must be one of en-US, nl-NL');
  });

  it('reports every invalid field, once each', async () => {
    const message = await failure(await create({ challenge: 'x', challengeMethod: 'plain', locale: 7 }));
    assert.equal(message, `${CHALLENGE}; challengeMethod: must be S256; locale: must be one of en-US, nl-NL`);
  });

  it('answers a body that is not a JSON object as validation_failed, never a plain-text 400 or a 500', async () => {
    const path = paths.attempts(TENANT);
    for (const [body, type] of [
      ['not json', 'application/json'],
      ['{"challenge":', 'application/json'],
      ['[]', 'application/json'],
      ['null', 'application/json'],
      ['"a string"', 'application/json'],
      ['', 'application/json'],
      [undefined, 'application/json'],
      [undefined, undefined],
      [JSON.stringify(await validAttemptBody()), 'text/plain'],
    ] as const) {
      assert.equal(await failure(await rawWrite(path, body, type)), BODY, `${type}: ${body}`);
    }
  });

  it('checks tenant, Origin and CSRF before the body', async () => {
    const unknownTenant = await h.sdk(paths.attempts('nosuch'), { body: [], jar: new Jar() });
    assert.equal(unknownTenant.status, 404);
    assert.equal(await errorCode(unknownTenant), 'tenant_not_found');
    const evil = await h.sdk(paths.attempts(TENANT), {
      body: [],
      origin: 'https://evil.test',
      jar: new Jar(),
    });
    assert.equal(evil.status, 403);
    assert.equal(await errorCode(evil), 'origin_not_allowed');
    const form = await h.app.request(`${PUBLIC_URL}${paths.attempts(TENANT)}`, {
      method: 'POST',
      headers: { origin: CX_ORIGIN, 'content-type': 'text/plain' },
      body: 'not json',
    });
    assert.equal(form.status, 403);
    assert.equal(await errorCode(form), 'csrf_header_required');
  });
});

describe('POST /t/{tenant}/auth/attempts/{id}/redeem: body', () => {
  const redeem = async (body: unknown) => {
    const { attempt } = await createAttempt(h);
    return h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), { body, jar: new Jar() });
  };

  it('names a missing verifier and what it must be', async () => {
    const message = await failure(await redeem({ proof: 'p' }));
    assert.equal(message, 'verifier: is required and must be 43-128 base64url characters');
  });

  it('refuses a malformed verifier without repeating it', async () => {
    for (const verifier of ['short-secret-verifier', `${'v'.repeat(42)}/`, 'v'.repeat(129), 12345]) {
      const message = await failure(await redeem({ verifier }));
      assert.equal(message, VERIFIER);
      assert.ok(!message.includes(String(verifier)), 'the submitted verifier is not echoed');
    }
  });

  it('refuses a proof that is not a string without repeating it', async () => {
    const message = await failure(
      await redeem({ verifier: randomVerifier(), proof: { secret: 'proof-98765' } }),
    );
    assert.equal(message, 'proof: must be a string');
    assert.doesNotMatch(message, /98765/);
  });

  it('answers a body that is not a JSON object as validation_failed', async () => {
    const { attempt } = await createAttempt(h);
    const path = paths.attemptRedeem(TENANT, attempt.attemptId);
    for (const body of ['nope', '[]', 'null', '']) {
      assert.equal(await failure(await rawWrite(path, body, 'application/json')), BODY, body);
    }
  });
});

describe('hosted pages: query', () => {
  it('refuses a repeated parameter with a validation_failed page for navigations, JSON for others', async () => {
    const { attempt } = await createAttempt(h);
    const url = `${paths.signIn(TENANT)}?attempt=${attempt.attemptId}&attempt=other`;
    const page = await h.page(url, new Jar());
    assert.equal(page.status, 400);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(await errorCode(page), 'validation_failed');
    const json = await h.app.request(`${PUBLIC_URL}${url}`);
    assert.equal(await failure(json), 'attempt: must be given once');
  });

  it('keeps attempt_not_found for a missing attempt, so the agent gets that page in their language', async () => {
    const response = await h.page(paths.signIn(TENANT), new Jar(), { headers: { 'accept-language': 'nl' } });
    assert.equal(response.status, 404);
    const html = await response.text();
    assert.match(html, /data-error-code="attempt_not_found"/);
    assert.match(html, /<html lang="nl-NL">/);
  });

  it('lets an unknown locale fall back to Accept-Language instead of failing', async () => {
    const { attempt } = await createAttempt(h);
    const response = await h.page(`${attempt.signInUrl}&locale=fr-FR`, new Jar(), {
      headers: { 'accept-language': 'nl-NL,nl;q=0.9' },
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<html lang="nl-NL">/);
  });

  it('refuses a repeated state on the SSO callback before any lookup', async () => {
    const response = await h.app.request(`${PUBLIC_URL}${paths.ssoCallback(TENANT)}?state=a&state=b&code=c`);
    assert.equal(await failure(response), 'state: must be given once');
  });
});

describe('path parameters', () => {
  it('answers a tenant code that breaks the pattern as tenant_not_found, before any validator', async () => {
    const response = await h.sdk(paths.attempts('AB'), { body: await validAttemptBody(), jar: new Jar() });
    assert.equal(response.status, 404);
    assert.equal(await errorCode(response), 'tenant_not_found');
  });
});

describe('validationMessage', () => {
  it('falls back to "is not valid" for a field without a declared expectation, never to the library text', () => {
    const schema = v.object({ pin: v.pipe(v.string(), v.minLength(6)) });
    const input = { pin: 'secret-but-short'.slice(0, 5) };
    const result = v.safeParse(schema, input);
    assert.equal(result.success, false);
    const message = validationMessage(schema, { success: false, data: input, error: result.issues });
    assert.equal(message, 'pin: is not valid');
    assert.doesNotMatch(message, /secre/);
  });

  it('names nested fields by their path', () => {
    const schema = v.object({ user: v.object({ email: v.string('must be an email address') }) });
    const input = { user: { email: 5 } };
    const result = v.safeParse(schema, input);
    assert.equal(
      validationMessage(schema, { success: false, data: input, error: result.issues }),
      'user.email: must be an email address',
    );
  });
});
