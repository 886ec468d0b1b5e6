// Trial mode (D1): SSO, platform JWT and API key create a new user only for an invited email (in the settings,
// or whose access request a manager approved) while a seat is free. Everyone else gets a clear refusal, no
// user and no cookie, and when the source vouches for their email, a request for access for the managers.
import assert from 'node:assert/strict';
import { paths } from '@deskgate/protocol';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { JwtKeyService } from './services/jwt-keys.ts';
import {
  createAttempt,
  createHarness,
  errorCode,
  type Harness,
  Jar,
  popupSignIn,
  TENANT,
} from './test/harness.ts';

let h: Harness;
let apiKey: string;
let jwtKey: { kid: string; secret: string };

beforeAll(async () => {
  h = await createHarness({
    tenant: {
      platformJwt: { profiles: { session: { preset: 'messenger' } } },
      trial: {
        enabled: true,
        seats: 4,
        invitedEmails: [
          'Agent@Demo.test',
          'jwt-invited@example.com',
          'key-invited@example.com',
          'full@example.com',
        ],
      },
    },
  });
  apiKey = (await new ApiKeyService(h.store, h.now).create(TENANT)).key;
  jwtKey = await new JwtKeyService(h.store, h.deps.keys, h.now).create(TENANT, 'session');
});
afterAll(() => h.close());

let ip = 0;
const nextIp = () => `198.51.100.${++ip}`;

async function sso(credentials: { email: string; password: string }) {
  const { attempt } = await createAttempt(h);
  const { callback } = await popupSignIn(h, attempt.signInUrl, new Jar(), credentials);
  return callback;
}

async function jwt(id: string, email: string) {
  const seconds = Math.floor(h.now() / 1000);
  const token = await new SignJWT({ deskpro_id: id, email, name: 'Jay' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: jwtKey.kid })
    .setIssuedAt(seconds)
    .setExpirationTime(seconds + 600)
    .sign(new TextEncoder().encode(jwtKey.secret));
  return h.sdk(paths.sessionJwt(TENANT), { body: { token }, jar: new Jar(), ip: nextIp() });
}

function apiKeySignIn(agentId: string, email: string) {
  return h.sdk(paths.sessionApiKey(TENANT), {
    body: { agentId, agentName: 'Kay', email },
    jar: new Jar(),
    headers: { authorization: `Bearer ${apiKey}` },
    ip: nextIp(),
  });
}

async function refused(response: Response, status: number, code: string) {
  assert.equal(response.status, status, await response.clone().text());
  assert.equal(await errorCode(response.clone()), code);
  assert.deepEqual(response.headers.getSetCookie(), []);
}

const usersNow = async () => (await h.store.listUsers(TENANT)).length;
const requestsFor = async (email: string) =>
  (await h.store.listAccessRequests(TENANT)).filter((r) => r.email === email);

describe('trial mode', () => {
  it('creates invited people, whatever the method (email compared ignoring case)', async () => {
    assert.equal((await sso({ email: 'agent@demo.test', password: 'agent' })).status, 303);
    assert.equal((await jwt('d-1', 'jwt-invited@example.com')).status, 200);
    assert.equal((await apiKeySignIn('k-1', 'key-invited@example.com')).status, 200);
    assert.equal(await usersNow(), 3);
  });

  it('refuses an uninvited SSO user with a page, creates nothing, and asks the managers through an access request', async () => {
    const callback = await sso({ email: 'manager@demo.test', password: 'manager' });
    await refused(callback, 403, 'trial_not_invited');
    assert.equal(await usersNow(), 3);
    const asked = await requestsFor('manager@demo.test');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.status, 'unconfirmed');
    const audit = await h.store.listAudit(TENANT, { type: 'sign_in' });
    assert.ok(
      audit.some((e) => e.outcome === 'refused' && e.code === 'trial_not_invited' && e.method === 'sso'),
    );
  });

  it('refuses an uninvited platform-JWT user (an access request too: the platform vouches for the email)', async () => {
    await refused(await jwt('d-2', 'stranger@example.com'), 403, 'trial_not_invited');
    assert.equal((await requestsFor('stranger@example.com')).length, 1);
  });

  it('refuses an uninvited API-key agent without mailing anyone: their email is only claimed', async () => {
    await refused(await apiKeySignIn('k-2', 'claimed@example.com'), 403, 'trial_not_invited');
    assert.deepEqual(await requestsFor('claimed@example.com'), []);
    assert.equal(await usersNow(), 3);
  });

  it('an approved access request counts as an invitation', async () => {
    const [request] = await requestsFor('manager@demo.test');
    assert.ok(await h.store.confirmAccessRequest(request!.id, h.now()));
    assert.ok(await h.store.decideAccessRequest(request!.id, 'approved', 'someone', h.now()));
    assert.equal((await sso({ email: 'manager@demo.test', password: 'manager' })).status, 303);
    assert.equal(await usersNow(), 4);
  });

  it('refuses an invited person once the seats are taken; known users still sign in', async () => {
    await refused(await jwt('d-3', 'full@example.com'), 403, 'trial_seats_full');
    assert.equal(await usersNow(), 4);
    assert.equal((await sso({ email: 'agent@demo.test', password: 'agent' })).status, 303);
    assert.equal((await jwt('d-1', 'jwt-invited@example.com')).status, 200);
  });

  it('a disabled user frees their seat', async () => {
    const [first] = await h.store.findUsersByEmail(TENANT, 'key-invited@example.com');
    assert.ok(await h.store.setUserDisabled(TENANT, first!.id, h.now()));
    assert.equal((await jwt('d-3', 'full@example.com')).status, 200);
  });
});
