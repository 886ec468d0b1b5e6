// A signed-in user can see their own subject (F10): in the SDK's session (`user.identity`, also the access
// token's `idp` claim, kept across refreshes and outbound links) and on the hosted "about me" page, with their
// roles and permissions.
import assert from 'node:assert/strict';
import { DEMO_ACCOUNTS } from '@deskgate/dev-idp';
import { COOKIE_ACCESS, paths, type SessionInfo } from '@deskgate/protocol';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ApiKeyService } from './services/api-keys.ts';
import { createHarness, type Harness, Jar, sessionAs, signIn, TENANT } from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const agentSub = DEMO_ACCOUNTS.find((a) => a.email === 'agent@demo.test')!.sub;

describe('the identity in the session', () => {
  it('an SSO session shows the IdP issuer and the subject, in the token too, and keeps them at refresh', async () => {
    const { jar, body } = await signIn(h);
    assert.equal(body.status, 'signed_in');
    if (body.status !== 'signed_in') return;
    assert.deepEqual(body.session.user.identity, { issuer: h.idp.issuer, subject: agentSub });
    assert.deepEqual(decodeJwt(jar.get(COOKIE_ACCESS)!).idp, { iss: h.idp.issuer, sub: agentSub });
    const read = (await (await h.sdk(paths.session(TENANT), { jar })).json()) as SessionInfo;
    assert.deepEqual(read.user.identity, { issuer: h.idp.issuer, subject: agentSub });
    const refreshed = await h.sdk(paths.refresh(TENANT), { method: 'POST', jar });
    assert.equal(refreshed.status, 200);
    assert.deepEqual(((await refreshed.json()) as SessionInfo).user.identity, {
      issuer: h.idp.issuer,
      subject: agentSub,
    });
  });

  it('an API-key session shows the platform agent id it claimed', async () => {
    const { key } = await new ApiKeyService(h.store, h.now).create(TENANT);
    const response = await h.sdk(paths.sessionApiKey(TENANT), {
      body: { agentId: 'agent-77', agentName: 'Kay' },
      jar: new Jar(),
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(((await response.json()) as SessionInfo).user.identity, {
      issuer: 'platform:api-key',
      subject: 'agent-77',
    });
  });
});

describe('GET /t/{tenant}/me', () => {
  it('without a session goes to the first-party sign-in, which comes back here (locale kept)', async () => {
    const response = await h.page(`${paths.aboutMe(TENANT)}?locale=nl-NL`, new Jar());
    assert.equal(response.status, 303);
    assert.equal(
      response.headers.get('location'),
      `${paths.signInFirstParty(TENANT)}?return=${encodeURIComponent('/t/acme/me?locale=nl-NL')}`,
    );
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  it('shows the subject to copy, every identity, the roles and what they allow; sets no cookie', async () => {
    const { jar } = await signIn(h);
    const response = await h.page(paths.aboutMe(TENANT), jar);
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await response.text();
    assert.match(html, new RegExp(`<code id="subject">${agentSub}</code>`));
    assert.match(html, /<code data-subject>/);
    assert.match(html, /Agent <code>deepdesk\.agent<\/code>/);
    assert.match(html, /<code>collection:read<\/code>/);
    assert.doesNotMatch(html, /users:write/);
  });

  it('shows a manager their wider permissions, in Dutch when asked, escaping what users wrote', async () => {
    const { jar, user } = await sessionAs(h, ['deepdesk.manager']);
    await h.store.updateUser({ ...user, name: '<b>Max</b>', updatedAt: h.now() });
    const html = await (await h.page(`${paths.aboutMe(TENANT)}?locale=nl-NL`, jar)).text();
    assert.match(html, /<html lang="nl-NL">/);
    assert.match(html, /Over mij/);
    assert.match(html, /<code>users:write<\/code>/);
    assert.match(html, /&lt;b&gt;Max&lt;\/b&gt;/);
    assert.doesNotMatch(html, /<b>Max<\/b>/);
  });
});
