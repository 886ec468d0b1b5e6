// Sealed secrets (`master-key rotate`): every value sealed with the master key is listed where it lives, and
// replaced by a compare-and-swap that loses, changing nothing, when the value changed meanwhile.
import assert from 'node:assert/strict';
import type { JwtKeyRecord, SealedSecretRecord } from '@deskgate/core/store';
import { describe, it } from 'vitest';
import { type ConformanceContext, count } from './context.ts';
import { keyFixture, mailFixture, T0, tenantCode, tenantFixture, uid } from './fixtures.ts';

const jwtKey = (tenant: string, kid = uid()): JwtKeyRecord => ({
  tenant,
  kid,
  profile: 'session',
  alg: 'HS256',
  secretEncrypted: `enc.v1.jwt-${uid()}`,
  weak: false,
  createdAt: T0,
  revokedAt: null,
});

/** A mail whose sealed body is its own, so a swap of one row shows in no other. */
const mail = () => mailFixture({ bodyEncrypted: `enc.v1.mail-${uid()}` });

export function describeSealedSecrets(ctx: ConformanceContext): void {
  describe('sealed secrets', () => {
    // Signing-key generations are global; this suite keeps to 900-999.
    let generation = 900;
    /** One row of each kind, and a sent message (its body cleared). */
    async function seed() {
      const signing = { ...keyFixture(generation++), privateJwkEncrypted: 'enc.v1.sk' };
      assert.equal(await ctx.store.insertSigningKey(signing), true);
      const tenant = tenantFixture();
      tenant.config = { ...tenant.config, oidc: [{ id: 'sso', clientSecretEncrypted: 'enc.v1.cs' }] };
      await ctx.store.createTenant(tenant);
      const key = jwtKey(tenant.code);
      await ctx.store.createJwtKey(key);
      const queued = mail();
      await ctx.store.enqueueMail(queued);
      const sent = mail();
      await ctx.store.enqueueMail(sent);
      await ctx.store.markMailSent(sent.id, T0 + 1);
      return { signing, tenant, key, queued, sent };
    }

    const find = (list: SealedSecretRecord[], kind: SealedSecretRecord['kind'], id: string) =>
      list.filter((r) => r.kind === kind && r.id === id);

    it('listSealedSecrets names every sealed value where it lives, but no sent mail', async () => {
      const { signing, tenant, key, queued, sent } = await seed();
      const list = await ctx.other.listSealedSecrets();
      assert.deepEqual(find(list, 'signing_key', signing.kid), [
        { kind: 'signing_key', id: signing.kid, tenant: null, value: 'enc.v1.sk' },
      ]);
      assert.deepEqual(find(list, 'jwt_key', key.kid), [
        { kind: 'jwt_key', id: key.kid, tenant: tenant.code, value: key.secretEncrypted },
      ]);
      const [stored] = find(list, 'tenant', tenant.code);
      assert.equal(stored?.tenant, tenant.code);
      assert.deepEqual(JSON.parse(stored!.value), tenant.config);
      assert.deepEqual(find(list, 'mail', queued.id), [
        { kind: 'mail', id: queued.id, tenant: null, value: queued.bodyEncrypted },
      ]);
      assert.deepEqual(find(list, 'mail', sent.id), []);
    });

    it('replaceSealedSecret writes each kind when the value is still the one listed', async () => {
      const { signing, tenant, key, queued } = await seed();
      const list = await ctx.store.listSealedSecrets();
      const config = { ...tenant.config, oidc: [{ id: 'sso', clientSecretEncrypted: 'enc.v1.new-cs' }] };
      const replace = (kind: SealedSecretRecord['kind'], id: string, value: string) =>
        ctx.other.replaceSealedSecret(find(list, kind, id)[0]!, value);
      assert.equal(await replace('signing_key', signing.kid, 'enc.v1.new-sk'), true);
      assert.equal(await replace('jwt_key', key.kid, 'enc.v1.new-jwt'), true);
      assert.equal(await replace('tenant', tenant.code, JSON.stringify(config)), true);
      assert.equal(await replace('mail', queued.id, 'enc.v1.new-mail'), true);

      const signingKeys = await ctx.store.listSigningKeys();
      assert.deepEqual(
        signingKeys.find((k) => k.kid === signing.kid),
        { ...signing, privateJwkEncrypted: 'enc.v1.new-sk' },
      );
      assert.deepEqual(await ctx.store.listJwtKeys(tenant.code), [
        { ...key, secretEncrypted: 'enc.v1.new-jwt' },
      ]);
      // Only the configuration changes: not when the tenant was last changed by an operator.
      assert.deepEqual(await ctx.store.getTenant(tenant.code), { ...tenant, config });
      const listed = (await ctx.store.listMail({ limit: 1000 })).find((m) => m.id === queued.id);
      assert.equal(listed?.bodyEncrypted, 'enc.v1.new-mail');
    });

    it('replaceSealedSecret changes nothing when the value changed meanwhile', async () => {
      const { signing, key, tenant, queued } = await seed();
      const list = await ctx.store.listSealedSecrets();
      for (const [kind, id] of [
        ['signing_key', signing.kid],
        ['jwt_key', key.kid],
        ['tenant', tenant.code],
        ['mail', queued.id],
      ] as const) {
        const record = find(list, kind, id)[0]!;
        assert.equal(await ctx.store.replaceSealedSecret(record, `${record.value}-first`), true, kind);
        assert.equal(await ctx.other.replaceSealedSecret(record, `${record.value}-stale`), false, kind);
      }
      const after = await ctx.store.listSealedSecrets();
      assert.equal(find(after, 'jwt_key', key.kid)[0]?.value, `${key.secretEncrypted}-first`);
      assert.equal(find(after, 'mail', queued.id)[0]?.value, `${queued.bodyEncrypted}-first`);
    });

    it('replaceSealedSecret changes nothing for a row that is gone or sent', async () => {
      const { signing, queued } = await seed();
      const list = await ctx.store.listSealedSecrets();
      await ctx.store.deleteSigningKey(signing.kid);
      await ctx.store.markMailSent(queued.id, T0 + 2);
      assert.equal(
        await ctx.store.replaceSealedSecret(find(list, 'signing_key', signing.kid)[0]!, 'x'),
        false,
      );
      assert.equal(await ctx.store.replaceSealedSecret(find(list, 'mail', queued.id)[0]!, 'x'), false);
      const mailAfter = (await ctx.store.listMail({ limit: 1000 })).find((m) => m.id === queued.id);
      assert.equal(mailAfter?.bodyEncrypted, null);
    });

    it('replaceSealedSecret of a JWT key touches only that tenant’s key of that kid', async () => {
      const [a, b] = [tenantCode(), tenantCode()];
      const kid = uid();
      await ctx.store.createJwtKey(jwtKey(a, kid));
      const other = jwtKey(b, kid);
      await ctx.store.createJwtKey(other);
      const record = find(await ctx.store.listSealedSecrets(), 'jwt_key', kid).find((r) => r.tenant === a)!;
      assert.equal(await ctx.store.replaceSealedSecret(record, 'enc.v1.new'), true);
      assert.deepEqual(await ctx.store.listJwtKeys(b), [other]);
      assert.equal((await ctx.store.listJwtKeys(a))[0]?.secretEncrypted, 'enc.v1.new');
    });

    it('replaceSealedSecret lets exactly one of concurrent callers swap a value', async () => {
      const { key } = await seed();
      const record = find(await ctx.store.listSealedSecrets(), 'jwt_key', key.kid)[0]!;
      const results = await ctx.race((s, i) => s.replaceSealedSecret(record, `enc.v1.caller-${i}`));
      assert.equal(count(results, true), 1);
      const stored = find(await ctx.store.listSealedSecrets(), 'jwt_key', key.kid)[0];
      assert.equal(stored?.value, `enc.v1.caller-${results.indexOf(true)}`);
    });
  });
}
