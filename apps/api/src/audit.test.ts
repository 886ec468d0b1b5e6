// Contract of the audit log in the API (docs/audit-log.md): every sign-in recorded once with its
// method, user and session; refused sign-ins with their error code only, actor anonymous; nothing in any event
// that looks like the keys, tokens or cookies used.
import assert from 'node:assert/strict';
import type { AuditEventRecord } from '@deskgate/core';
import { type ExchangeLink, paths } from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import {
  AuditService,
  auditAccessRequestDecision,
  auditRetentionDays,
  operatorEvent,
  recordAudit,
} from './services/audit.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { createHarness, errorCode, type Harness, Jar, signIn, TENANT } from './test/harness.ts';

let h: Harness;
let apiKey: string;
let jwtKey: { kid: string; secret: string };
/** Every secret a test presented or received: keys, tokens and cookie values. */
const secrets = new Set<string>();

beforeAll(async () => {
  h = await createHarness({
    tenant: {
      platformJwt: { profiles: { session: { preset: 'messenger' } } },
      outboundLinks: { targets: ['/reports/'] },
    },
  });
  apiKey = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
  jwtKey = await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
  secrets.add(apiKey).add(jwtKey.secret);
});
afterAll(() => h.close());

let client = 0;
const nextIp = () => `198.18.${Math.floor(++client / 250)}.${(client % 250) + 1}`;

function keep(jar: Jar): Jar {
  for (const { value } of jar.cookies.values()) secrets.add(decodeURIComponent(value)).add(value);
  return jar;
}

async function mintJwt(claims: Record<string, unknown>, secret = jwtKey.secret) {
  const seconds = Math.floor(h.now() / 1000);
  const token = await new SignJWT({ iat: seconds, exp: seconds + 600, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwtKey.kid })
    .sign(new TextEncoder().encode(secret));
  secrets.add(token);
  return token;
}

async function byApiKey(key = apiKey, agentId = `agent-${++client}`) {
  const jar = new Jar();
  const response = await h.sdk(paths.sessionApiKey(TENANT), {
    body: { agentId, agentName: 'Lee Agent' },
    jar,
    headers: { authorization: `Bearer ${key}` },
    ip: nextIp(),
  });
  keep(jar);
  return { response, jar };
}

function byJwt(token: string, jar = new Jar()) {
  return h.sdk(paths.sessionJwt(TENANT), { body: { token }, jar, ip: nextIp() });
}

function redeemExchange(token: string, browser = new Jar()) {
  return h.page(`${paths.exchange(TENANT)}?locale=en-US`, browser, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'null',
      'sec-fetch-site': 'same-origin',
    },
    body: new URLSearchParams({ token }).toString(),
    ip: nextIp(),
  });
}

/** The tenant's newest `count` events, oldest first. */
async function eventsSince(count: number): Promise<AuditEventRecord[]> {
  return (await h.store.listAudit(TENANT, { limit: count })).reverse();
}

describe('audit log: sign-ins', () => {
  it('records an API-key sign-in once: user, method api_key, the session, outcome ok', async () => {
    const start = h.now();
    const { response } = await byApiKey();
    assert.equal(response.status, 200, await response.clone().text());
    const { user } = (await response.json()) as { user: { id: string } };
    const [event] = await eventsSince(1);
    assert.ok(event && event.at >= start && event.at <= h.now());
    assert.deepEqual(
      { ...event, id: undefined, at: undefined, details: undefined },
      {
        id: undefined,
        tenant: TENANT,
        at: undefined,
        type: 'sign_in',
        actor: { kind: 'user', id: user.id },
        method: 'api_key',
        outcome: 'ok',
        code: null,
        subject: user.id,
        details: undefined,
      },
    );
    assert.deepEqual(Object.keys(event.details), ['session']);
    assert.equal((await h.store.getSession(String(event.details.session)))?.userId, user.id);
  });

  it('records a platform-JWT sign-in (jwt) and an exchange sign-in (exchange, via the source method)', async () => {
    const jar = new Jar();
    const response = await byJwt(await mintJwt({ deskpro_id: 'audit-1', email: 'ann@example.com' }), jar);
    assert.equal(response.status, 200, await response.clone().text());
    keep(jar);
    const { user } = (await response.json()) as { user: { id: string } };
    const [jwt] = await eventsSince(1);
    assert.deepEqual([jwt?.method, jwt?.actor.id, jwt?.outcome], ['jwt', user.id, 'ok']);

    const minted = await h.sdk(paths.exchangeToken(TENANT), {
      body: { redirect: paths.collection(TENANT) },
      jar,
      ip: nextIp(),
    });
    assert.equal(minted.status, 200, await minted.clone().text());
    const token = new URL(((await minted.json()) as ExchangeLink).url).hash.replace(/^#token=/, '');
    secrets.add(token);
    const browser = new Jar();
    const landed = await redeemExchange(token, browser);
    assert.equal(landed.status, 303, await landed.clone().text());
    keep(browser);
    const [exchange] = await eventsSince(1);
    assert.deepEqual(
      [exchange?.type, exchange?.method, exchange?.actor.id, exchange?.details.via],
      ['sign_in', 'exchange', user.id, 'jwt'],
    );
  });

  it('records the popup sign-in (SSO) once, when the attempt is redeemed', async () => {
    const before = (await h.store.listAudit(TENANT, { limit: 1000 })).length;
    const { jar, body } = await signIn(h);
    keep(jar);
    const after = await h.store.listAudit(TENANT, { limit: 1000 });
    assert.equal(after.length, before + 1);
    assert.equal(body.status, 'signed_in');
    const userId = body.status === 'signed_in' ? body.session.user.id : '';
    assert.deepEqual([after[0]?.method, after[0]?.actor.id], ['sso', userId]);
  });
});

describe('audit log: refused sign-ins', () => {
  it('records the error code of a refused API key and JWT, actor anonymous, nothing else', async () => {
    const wrong = `${apiKey.slice(0, -8)}AAAAAAAA`;
    secrets.add(wrong);
    const refusedKey = await byApiKey(wrong);
    assert.equal(refusedKey.response.status, 401);
    const [keyEvent] = await eventsSince(1);
    assert.deepEqual(
      { ...keyEvent, id: undefined, at: undefined },
      {
        id: undefined,
        tenant: TENANT,
        at: undefined,
        type: 'sign_in',
        actor: { kind: 'anonymous', id: null },
        method: 'api_key',
        outcome: 'refused',
        code: 'api_key_invalid',
        subject: null,
        details: {},
      },
    );

    const forged = await mintJwt({ deskpro_id: 'audit-2' }, 'not-the-secret-not-the-secret-not-the-secret');
    const refusedJwt = await byJwt(forged);
    assert.equal(refusedJwt.status, 401, await refusedJwt.clone().text());
    const code = await errorCode(refusedJwt);
    const [jwtEvent] = await eventsSince(1);
    assert.deepEqual([jwtEvent?.method, jwtEvent?.outcome, jwtEvent?.code], ['jwt', 'refused', code]);
  });

  it('records a refused exchange redemption as exchange_token_invalid', async () => {
    const garbage = `dgx_${'A'.repeat(43)}`;
    secrets.add(garbage);
    const response = await redeemExchange(garbage);
    assert.equal(await errorCode(response), 'exchange_token_invalid');
    const [event] = await eventsSince(1);
    assert.deepEqual([event?.method, event?.code], ['exchange', 'exchange_token_invalid']);
  });

  it('records refused magic-link uses and SSO callbacks by their code', async () => {
    const garbage = `dgm_${'B'.repeat(43)}`;
    secrets.add(garbage);
    const magic = await h.page(`${paths.magicLinkOpen(TENANT)}?locale=en-US`, new Jar(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams({ token: garbage }).toString(),
      ip: nextIp(),
    });
    const magicCode = await errorCode(magic);
    const [magicEvent] = await eventsSince(1);
    assert.deepEqual([magicEvent?.method, magicEvent?.code], ['magic_link', magicCode]);
    const sso = await h.page(`${paths.ssoCallback(TENANT)}?state=forged&code=forged`, new Jar());
    assert.equal(await errorCode(sso), 'sso_state_mismatch');
    const [ssoEvent] = await eventsSince(1);
    assert.deepEqual(
      [ssoEvent?.method, ssoEvent?.outcome, ssoEvent?.code],
      ['sso', 'refused', 'sso_state_mismatch'],
    );
  });

  it('does not record requests to other routes (the session probe, minting an exchange link)', async () => {
    const before = (await h.store.listAudit(TENANT, { limit: 1000 })).length;
    await h.sdk(paths.session(TENANT), { jar: new Jar() });
    await h.sdk(paths.exchangeToken(TENANT), { body: { redirect: '/' }, jar: new Jar(), ip: nextIp() });
    assert.equal((await h.store.listAudit(TENANT, { limit: 1000 })).length, before);
  });

  it('holds none of the keys, tokens or cookie values used, in any event', async () => {
    const all = JSON.stringify(await h.store.listAudit(TENANT, { limit: 1000 }));
    assert.ok(secrets.size >= 8, `secrets collected: ${secrets.size}`);
    for (const secret of secrets) assert.ok(!all.includes(secret), 'a secret in the audit log');
    assert.ok(!all.includes(jwtKey.secret.slice(0, 20)));
  });
});

describe('audit log: recording', () => {
  it('refuses an event whose details or subject look like a secret, and stores nothing', async () => {
    const audit = new AuditService({ store: h.store, now: h.now });
    const tenant = 'audit-guard';
    const leaks: Record<string, string>[] = [
      { key: apiKey },
      { token: await mintJwt({ x: 1 }) },
      { cookie: `rt1.${'a'.repeat(43)}` },
    ];
    for (const details of leaks)
      await assert.rejects(
        audit.record(tenant, operatorEvent('api_key_created', 'k1', details)),
        /looks like a secret/,
      );
    await assert.rejects(
      audit.record(tenant, operatorEvent('api_key_revoked', apiKey)),
      /looks like a secret/,
    );
    assert.deepEqual(await h.store.listAudit(tenant), []);
  });

  it('records an access-request decision with the approver as actor (for AccessRequestService.decide)', async () => {
    const event = await auditAccessRequestDecision(
      h.store,
      'audit-ar',
      'req-1',
      'approved',
      { kind: 'user', id: 'manager-1' },
      42,
    );
    assert.deepEqual(await h.store.listAudit('audit-ar'), [event]);
    assert.deepEqual(
      { ...event, id: undefined },
      {
        id: undefined,
        tenant: 'audit-ar',
        at: 42,
        type: 'access_request_decided',
        actor: { kind: 'user', id: 'manager-1' },
        method: null,
        outcome: 'ok',
        code: null,
        subject: 'req-1',
        details: { decision: 'approved' },
      },
    );
    const other = await recordAudit(h.store, 'audit-ar', operatorEvent('jwt_key_revoked', 's-abc'), 43);
    assert.equal(other.actor.kind, 'operator');
  });

  it('reads DESKGATE_AUDIT_RETENTION_DAYS: default 365, 1-36500, anything else refused', () => {
    assert.equal(auditRetentionDays({}), 365);
    assert.equal(auditRetentionDays({ DESKGATE_AUDIT_RETENTION_DAYS: ' 30 ' }), 30);
    for (const bad of ['0', '-1', '1.5', 'forever', '36501'])
      assert.throws(() => auditRetentionDays({ DESKGATE_AUDIT_RETENTION_DAYS: bad }), TypeError, bad);
  });
});
