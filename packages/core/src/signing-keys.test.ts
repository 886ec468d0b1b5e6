import assert from 'node:assert/strict';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { describe, it } from 'vitest';
import {
  DEFAULT_KEY_ROTATION,
  generateSigningKey,
  type KeyRotationPolicy,
  planSigningKeys,
  SIGNING_ALG,
} from './signing-keys.ts';
import type { SigningKeyRecord } from './store.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const { rotateAfterMs, publishLeadMs, retainAfterSupersededMs } = DEFAULT_KEY_ROTATION;

const key = (generation: number, activatesAt: number, createdAt = activatesAt): SigningKeyRecord => ({
  kid: `k${generation}`,
  generation,
  alg: 'ES256',
  publicJwk: { kty: 'EC', kid: `k${generation}` },
  privateJwkEncrypted: `enc.v1.iv.k${generation}`,
  createdAt,
  activatesAt,
});

const kids = (keys: SigningKeyRecord[]) => keys.map((k) => k.kid);

describe('DEFAULT_KEY_ROTATION', () => {
  it('rotates after 30 days, publishes 1 hour ahead and retains 2 hours', () => {
    assert.deepEqual(DEFAULT_KEY_ROTATION, {
      rotateAfterMs: 30 * DAY,
      publishLeadMs: HOUR,
      retainAfterSupersededMs: 2 * HOUR,
    });
  });
});

describe('planSigningKeys', () => {
  it('creates generation 1, active at once, when there are no keys', () => {
    assert.deepEqual(planSigningKeys([], NOW), {
      signing: undefined,
      create: { generation: 1, activatesAt: NOW },
      publish: [],
      prune: [],
    });
  });

  it('signs with generation 1 at once, also on a clock a moment behind the instance that created it', () => {
    const k1 = key(1, NOW + 5);
    assert.deepEqual(planSigningKeys([k1], NOW), {
      signing: k1,
      create: undefined,
      publish: [k1],
      prune: [],
    });
  });

  it('signs with a fresh key and creates nothing', () => {
    const k1 = key(1, NOW - DAY);
    assert.deepEqual(planSigningKeys([k1], NOW), {
      signing: k1,
      create: undefined,
      publish: [k1],
      prune: [],
    });
  });

  it('creates nothing one millisecond before the key is rotateAfterMs old', () => {
    assert.equal(planSigningKeys([key(1, NOW - rotateAfterMs + 1)], NOW).create, undefined);
  });

  it('creates the next generation, activating after publishLeadMs, once the key is rotateAfterMs old', () => {
    const k1 = key(1, NOW - rotateAfterMs);
    const plan = planSigningKeys([k1], NOW);
    assert.deepEqual(plan.create, { generation: 2, activatesAt: NOW + publishLeadMs });
    assert.equal(plan.signing, k1, 'the old key keeps signing until its successor activates');
    assert.deepEqual(kids(plan.publish), ['k1']);
  });

  it('numbers the new key after the newest generation', () => {
    const k7 = key(7, NOW - 40 * DAY);
    assert.equal(planSigningKeys([k7], NOW).create?.generation, 8);
  });

  it('publishes a pending key without signing with it or creating another', () => {
    const k1 = key(1, NOW - 31 * DAY);
    const k2 = key(2, NOW + 50 * MINUTE, NOW - 10 * MINUTE);
    const plan = planSigningKeys([k1, k2], NOW);
    assert.equal(plan.signing, k1);
    assert.equal(plan.create, undefined);
    assert.deepEqual(kids(plan.publish), ['k2', 'k1']);
    assert.deepEqual(plan.prune, []);
  });

  it('signs with the new key from its activatesAt and keeps the old one published', () => {
    const k1 = key(1, NOW - 31 * DAY);
    const k2 = key(2, NOW, NOW - HOUR);
    const plan = planSigningKeys([k1, k2], NOW);
    assert.equal(plan.signing, k2);
    assert.equal(plan.create, undefined);
    assert.deepEqual(kids(plan.publish), ['k2', 'k1']);
    assert.deepEqual(plan.prune, []);
  });

  it('keeps the superseded key published until just before retainAfterSupersededMs', () => {
    const k1 = key(1, NOW - 31 * DAY);
    const k2 = key(2, NOW - retainAfterSupersededMs + 1);
    const plan = planSigningKeys([k1, k2], NOW);
    assert.deepEqual(kids(plan.publish), ['k2', 'k1']);
    assert.deepEqual(plan.prune, []);
  });

  it('prunes the superseded key once retainAfterSupersededMs has passed since its successor activated', () => {
    const k1 = key(1, NOW - 31 * DAY);
    const k2 = key(2, NOW - retainAfterSupersededMs);
    const plan = planSigningKeys([k1, k2], NOW);
    assert.equal(plan.signing, k2);
    assert.deepEqual(kids(plan.publish), ['k2']);
    assert.deepEqual(kids(plan.prune), ['k1']);
  });

  it('orders keys by generation whatever the input order', () => {
    const keys = [key(2, NOW - HOUR), key(3, NOW + HOUR), key(1, NOW - 31 * DAY)];
    const plan = planSigningKeys(keys, NOW);
    assert.equal(plan.signing?.kid, 'k2');
    assert.deepEqual(kids(plan.publish), ['k3', 'k2', 'k1']);
  });

  it('does not reorder the caller’s array', () => {
    const keys = [key(1, NOW - 31 * DAY), key(2, NOW - HOUR)];
    planSigningKeys(keys, NOW);
    assert.deepEqual(kids(keys), ['k1', 'k2']);
  });

  it('follows a custom policy', () => {
    const policy: KeyRotationPolicy = {
      rotateAfterMs: DAY,
      publishLeadMs: 5 * MINUTE,
      retainAfterSupersededMs: 30 * MINUTE,
    };
    const plan = planSigningKeys([key(1, NOW - DAY)], NOW, policy);
    assert.deepEqual(plan.create, { generation: 2, activatesAt: NOW + 5 * MINUTE });
    const later = planSigningKeys([key(1, NOW - 2 * DAY), key(2, NOW - 30 * MINUTE)], NOW, policy);
    assert.deepEqual(kids(later.prune), ['k1']);
  });

  it('walks a whole rotation with a frozen clock', () => {
    const t0 = NOW;
    const k1 = key(1, planSigningKeys([], t0).create!.activatesAt);
    const tRotate = t0 + rotateAfterMs;
    const create = planSigningKeys([k1], tRotate).create!;
    const k2 = key(create.generation, create.activatesAt, tRotate);
    const steps: Array<[number, string, string[], string[]]> = [
      [tRotate + publishLeadMs - 1, 'k1', ['k2', 'k1'], []],
      [tRotate + publishLeadMs, 'k2', ['k2', 'k1'], []],
      [tRotate + publishLeadMs + retainAfterSupersededMs - 1, 'k2', ['k2', 'k1'], []],
      [tRotate + publishLeadMs + retainAfterSupersededMs, 'k2', ['k2'], ['k1']],
    ];
    for (const [at, signing, publish, prune] of steps) {
      const plan = planSigningKeys([k1, k2], at);
      assert.deepEqual(
        [plan.signing?.kid, kids(plan.publish), kids(plan.prune)],
        [signing, publish, prune],
        `at ${at - t0}`,
      );
    }
  });

  it('measures retention from the first key that superseded a key, not from a later one', () => {
    const k1 = key(1, NOW - 61 * DAY);
    const k2 = key(2, NOW - 30 * DAY);
    const k3 = key(3, NOW - HOUR);
    const plan = planSigningKeys([k1, k2, k3], NOW);
    assert.deepEqual(kids(plan.publish), ['k3', 'k2']);
    assert.deepEqual(kids(plan.prune), ['k1']);
  });
});

describe('generateSigningKey', () => {
  it('produces an ES256 P-256 key record for the generation, with a kid naming it', async () => {
    const { record, privateJwk } = await generateSigningKey(3, NOW, NOW + HOUR);
    assert.equal(SIGNING_ALG, 'ES256');
    assert.match(record.kid, /^k3-[A-Za-z0-9_-]{8}$/);
    assert.equal(record.generation, 3);
    assert.equal(record.alg, 'ES256');
    assert.equal(record.createdAt, NOW);
    assert.equal(record.activatesAt, NOW + HOUR);
    assert.deepEqual(Object.keys(record.publicJwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(record.publicJwk.kty, 'EC');
    assert.equal(record.publicJwk.crv, 'P-256');
    assert.equal(record.publicJwk.kid, record.kid);
    assert.equal(record.publicJwk.alg, 'ES256');
    assert.equal(record.publicJwk.use, 'sig');
    assert.equal(privateJwk.kid, record.kid);
    assert.equal(privateJwk.alg, 'ES256');
    assert.equal(typeof privateJwk.d, 'string');
  });

  it('keeps private fields out of the public JWK', async () => {
    const { record } = await generateSigningKey(1, NOW, NOW);
    assert.equal('d' in record.publicJwk, false);
    assert.equal(JSON.stringify(record).includes('"d"'), false);
  });

  it('gives each key its own kid and key material', async () => {
    const a = await generateSigningKey(1, NOW, NOW);
    const b = await generateSigningKey(1, NOW, NOW);
    assert.notEqual(a.record.kid, b.record.kid);
    assert.notEqual(a.record.publicJwk.x, b.record.publicJwk.x);
  });

  it('produces a private key whose signatures verify with the public key', async () => {
    const { record, privateJwk } = await generateSigningKey(1, NOW, NOW);
    const jws = await new CompactSign(new TextEncoder().encode('payload'))
      .setProtectedHeader({ alg: 'ES256', kid: record.kid })
      .sign(await importJWK(privateJwk, 'ES256'));
    const { payload, protectedHeader } = await compactVerify(jws, await importJWK(record.publicJwk, 'ES256'));
    assert.equal(new TextDecoder().decode(payload), 'payload');
    assert.equal(protectedHeader.kid, record.kid);
  });
});
