// A disabled user (`user disable`): their sessions end at the next refresh or session read, every sign-in
// method refuses them (user_disabled), and `user enable` lets them sign in again. Disabling and enabling are
// audited, and so is each refused sign-in.
import assert from 'node:assert/strict';
import { paths } from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runUser } from './cli/user.ts';
import type { Runtime } from './runtime.ts';
import { ApiKeyService } from './services/api-keys.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import { TenantService } from './services/tenants.ts';
import {
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  popupSignIn,
  proofFrom,
  signIn,
  TENANT,
} from './test/harness.ts';

let h: Harness;
let apiKey: string;
let jwtKey: { kid: string; secret: string };

beforeAll(async () => {
  h = await createHarness({
    tenant: { platformJwt: { profiles: { session: { preset: 'messenger' } } } },
  });
  apiKey = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
  jwtKey = await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
});
afterAll(() => h.close());

/** Runs `pnpm deskgate user <subcommand> acme <user>` against the harness's store; returns what it noted. */
async function cli(subcommand: 'disable' | 'enable', user: string): Promise<string> {
  const notes: string[] = [];
  const runtime = { store: h.store } as Runtime;
  const tenants = new TenantService(h.store, h.deps.keys, h.now);
  const io = { out: (text: string) => notes.push(text), note: (text: string) => notes.push(text) };
  assert.equal(await runUser(`user ${subcommand}`, [TENANT, user], {}, runtime, tenants, io), 0);
  return notes.join('\n');
}

let ip = 0;
const nextIp = () => `198.51.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;

function postApiKey(agentId: string, jar = new Jar()) {
  return h.sdk(paths.sessionApiKey(TENANT), {
    body: { agentId, agentName: 'Dee Abled', email: `${agentId}@example.com` },
    jar,
    headers: { authorization: `Bearer ${apiKey}` },
    ip: nextIp(),
  });
}

async function postJwt(deskproId: string, jar = new Jar()) {
  const seconds = Math.floor(h.now() / 1000);
  const token = await new SignJWT({ deskpro_id: deskproId, email: `${deskproId}@example.com`, name: 'Jay' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwtKey.kid })
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + 600)
    .sign(new TextEncoder().encode(jwtKey.secret));
  return h.sdk(paths.sessionJwt(TENANT), { body: { token }, jar, ip: nextIp() });
}

async function userIdOf(response: Response): Promise<string> {
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { user: { id: string } }).user.id;
}

async function refused(response: Response, status: number, code: string, why: string) {
  assert.equal(response.status, status, `${why}: ${await response.clone().text()}`);
  assert.equal(await errorCode(response), code, why);
  assert.deepEqual(
    response.headers.getSetCookie().filter((cookie) => !/=;|Max-Age=0/i.test(cookie)),
    [],
    `${why}: no session cookie`,
  );
}

describe('a disabled user', () => {
  it('loses their sessions at the next refresh or read, cannot sign in by SSO, and can after enable', async () => {
    const first = await signIn(h);
    const second = await signIn(h);
    assert.equal(first.body.status, 'signed_in');
    const userId = first.body.status === 'signed_in' ? first.body.session.user.id : '';
    assert.equal((await h.sdk(paths.session(TENANT), { jar: first.jar })).status, 200);

    assert.match(await cli('disable', userId), /disabled user/);
    assert.notEqual((await h.store.getUser(TENANT, userId))?.disabledAt, null);
    // Asking again changes nothing and is not an error.
    assert.match(await cli('disable', userId), /already disabled/);

    const refresh = await h.sdk(paths.refresh(TENANT), { body: {}, jar: first.jar });
    await refused(refresh, 401, 'user_disabled', 'refresh');
    const read = await h.sdk(paths.session(TENANT), { jar: second.jar });
    await refused(read, 401, 'user_disabled', 'session read');
    // Both sessions are ended for good: the refresh of the second one says why too.
    const secondRefresh = await h.sdk(paths.refresh(TENANT), { body: {}, jar: second.jar });
    await refused(secondRefresh, 401, 'user_disabled', 'refresh of a session ended by the read');
    const status = await h.sdk(paths.sessionStatus(TENANT), { jar: first.jar });
    assert.equal(((await status.json()) as { session: unknown }).session, null);

    // SSO: the callback refuses before the attempt completes.
    const { attempt } = await createAttempt(h);
    const { callback } = await popupSignIn(h, attempt.signInUrl);
    assert.equal(callback.status, 403, await callback.clone().text());
    assert.equal(await errorCode(callback), 'user_disabled');

    assert.match(await cli('enable', userId), /enabled user/);
    assert.match(await cli('enable', userId), /already enabled/);
    const again = await signIn(h);
    assert.equal(again.body.status, 'signed_in');
    assert.equal((await h.sdk(paths.session(TENANT), { jar: again.jar })).status, 200);
  });

  it('is refused when disabled between the SSO callback and the redeem (SessionService.start)', async () => {
    const jar = new Jar();
    const { verifier, attempt } = await createAttempt(h, jar);
    const { callback, popup } = await popupSignIn(h, attempt.signInUrl);
    const proof = proofFrom(await (await h.page(callback.headers.get('location')!, popup)).text());
    const userId = (await h.store.getAttempt(TENANT, attempt.attemptId))?.userId ?? '';
    await cli('disable', userId);
    const redeem = await h.sdk(paths.attemptRedeem(TENANT, attempt.attemptId), {
      body: { verifier, proof },
      jar,
    });
    await refused(redeem, 403, 'user_disabled', 'redeem');
    await cli('enable', userId);
  });

  it('cannot sign in with an API key, nor refresh a session it started; enable lets them in again', async () => {
    const jar = new Jar();
    const userId = await userIdOf(await postApiKey('dis-key-1', jar));
    await cli('disable', userId);
    await refused(await postApiKey('dis-key-1'), 403, 'user_disabled', 'API key');
    await refused(await h.sdk(paths.refresh(TENANT), { body: {}, jar }), 401, 'user_disabled', 'refresh');
    await cli('enable', userId);
    assert.equal(await userIdOf(await postApiKey('dis-key-1')), userId);
  });

  it('cannot sign in with a platform JWT, found by id or by email; enable lets them in again', async () => {
    const userId = await userIdOf(await postJwt('dis-jwt-1'));
    const before = await h.store.getUser(TENANT, userId);
    await cli('disable', 'DIS-JWT-1@example.com');
    await refused(await postJwt('dis-jwt-1'), 403, 'user_disabled', 'platform JWT');
    // Nothing of the refused sign-in's profile is stored.
    assert.equal((await h.store.getUser(TENANT, userId))?.updatedAt, before?.updatedAt);
    await cli('enable', userId);
    assert.equal(await userIdOf(await postJwt('dis-jwt-1')), userId);
  });

  it('is audited: who disabled and enabled whom, and each refused sign-in with its code', async () => {
    const userId = await userIdOf(await postApiKey('dis-audit-1'));
    await cli('disable', userId);
    await postApiKey('dis-audit-1');
    await cli('enable', userId);
    const events = await h.store.listAudit(TENANT, { limit: 1000 });
    const about = (type: string) => events.filter((e) => e.type === type && e.subject === userId);
    for (const type of ['user_disabled', 'user_enabled']) {
      const [event, ...more] = about(type);
      assert.equal(more.length, 0, type);
      assert.deepEqual(
        { actor: event?.actor, outcome: event?.outcome, code: event?.code },
        { actor: { kind: 'operator', id: null }, outcome: 'ok', code: null },
        type,
      );
    }
    assert.ok(
      events.some(
        (e) =>
          e.type === 'sign_in' &&
          e.outcome === 'refused' &&
          e.code === 'user_disabled' &&
          e.method === 'api_key',
      ),
      'the refused API-key sign-in',
    );
    assert.ok(
      events.some((e) => e.type === 'sign_in' && e.code === 'user_disabled' && e.method === 'sso'),
      'the refused SSO sign-in',
    );
  });
});
