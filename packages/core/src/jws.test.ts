import assert from 'node:assert/strict';
import { generateKeyPairSync, type webcrypto } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, SignJWT } from 'jose';
import { describe, it } from 'vitest';
import { derToRaw, rawToDer, signEs256, verifyEs256 } from './jws.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const key = async () => publicKey;

describe('signEs256', () => {
  it('makes a compact JWS that jose verifies, with alg ES256 first and the given header', async () => {
    const token = signEs256({ kid: 'k1', typ: 'at+jwt' }, { sub: 'u1', n: 1 }, privateKey);
    const { payload, protectedHeader } = await compactVerify(token, publicKey);
    assert.deepEqual(protectedHeader, { alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { sub: 'u1', n: 1 });
  });

  it('signs with a WebCrypto key as well', async () => {
    const webKey = await importJWK(privateKey.export({ format: 'jwk' }), 'ES256');
    const token = signEs256({}, { a: 1 }, webKey as webcrypto.CryptoKey);
    await compactVerify(token, publicKey);
  });
});

describe('verifyEs256', () => {
  it('verifies what jose signs, and hands the header to the key lookup', async () => {
    const token = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k9' })
      .sign(privateKey);
    let asked: unknown;
    const result = await verifyEs256(token, async (header) => {
      asked = header.kid;
      return publicKey;
    });
    assert.deepEqual(result, { ok: true, header: { alg: 'ES256', kid: 'k9' }, payload: { sub: 'u1' } });
    assert.equal(asked, 'k9');
  });

  it('says unknown_key when the lookup finds none, and signature for another key or a key of another kind', async () => {
    const token = signEs256({ kid: 'k1' }, { a: 1 }, privateKey);
    assert.deepEqual(await verifyEs256(token, async () => undefined), { ok: false, reason: 'unknown_key' });
    assert.deepEqual(await verifyEs256(token, async () => other.publicKey), {
      ok: false,
      reason: 'signature',
    });
    assert.deepEqual(await verifyEs256(token, async () => rsa.publicKey), { ok: false, reason: 'signature' });
  });

  it('refuses a changed payload or signature', async () => {
    const [header, , signature] = signEs256({}, { a: 1 }, privateKey).split('.');
    assert.deepEqual(await verifyEs256(`${header}.${b64({ a: 2 })}.${signature}`, key), {
      ok: false,
      reason: 'signature',
    });
    const bytes = Buffer.from(signature!, 'base64url');
    bytes[10]! ^= 1;
    assert.deepEqual(await verifyEs256(`${header}.${b64({ a: 1 })}.${bytes.toString('base64url')}`, key), {
      ok: false,
      reason: 'signature',
    });
  });

  it('refuses malformed tokens before any key lookup', async () => {
    const good = signEs256({}, { a: 1 }, privateKey);
    const [h, p, s] = good.split('.') as [string, string, string];
    const hs256 = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    const none = `${b64({ alg: 'none' })}.${p}.`;
    const crit = await new CompactSign(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'ES256', crit: ['exp'], exp: 1 } as never)
      .sign(privateKey)
      .catch(() => `${b64({ alg: 'ES256', crit: ['exp'] })}.${p}.${s}`);
    for (const token of [
      '',
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}=`,
      `${h} .${p}.${s}`,
      `${b64('ES256')}.${p}.${s}`,
      `${b64([{ alg: 'ES256' }])}.${p}.${s}`,
      `${b64({ alg: 'ES256', b64: false })}.${p}.${s}`,
      hs256,
      none,
      crit,
      `${h}.${p}.${Buffer.from(s, 'base64url').subarray(1).toString('base64url')}`,
    ]) {
      let looked = false;
      const result = await verifyEs256(token, async () => {
        looked = true;
        return publicKey;
      });
      assert.deepEqual(result, { ok: false, reason: 'malformed' }, token);
      assert.equal(looked, false, token);
    }
  });

  it('refuses a validly signed payload that is not a JSON object', async () => {
    for (const body of ['[1,2]', '"text"', 'not json']) {
      const token = await new CompactSign(new TextEncoder().encode(body))
        .setProtectedHeader({ alg: 'ES256' })
        .sign(privateKey);
      assert.deepEqual(await verifyEs256(token, key), { ok: false, reason: 'malformed' }, body);
    }
  });
});

describe('the DER form of the signature', () => {
  const coordinate = (fill: (i: number) => number) =>
    Buffer.from(Array.from({ length: 32 }, (_, i) => fill(i)));
  const cases = {
    'plain values': [coordinate((i) => i + 1), coordinate((i) => 0x40 + i)],
    'a set high bit (DER adds a zero byte)': [coordinate(() => 0xff), coordinate((i) => (i ? 1 : 0x80))],
    'leading zero bytes (DER drops them)': [
      coordinate((i) => (i < 3 ? 0 : 7)),
      coordinate((i) => (i < 31 ? 0 : 5)),
    ],
    zero: [coordinate(() => 0), coordinate(() => 0)],
  };

  it('round-trips r || s through DER for every shape of integer', () => {
    for (const [name, [r, s]] of Object.entries(cases)) {
      const raw = Buffer.concat([r!, s!]);
      const der = rawToDer(raw);
      assert.equal(der[0], 0x30, name);
      assert.equal(der[1], der.length - 2, name);
      assert.deepEqual(derToRaw(der), raw, name);
    }
    // The encodings DER requires: the minimal one, positive.
    assert.deepEqual(
      [...rawToDer(Buffer.concat(cases['a set high bit (DER adds a zero byte)'] as Buffer[])).subarray(0, 5)],
      [0x30, 2 + 33 + 2 + 33, 0x02, 33, 0x00],
    );
    assert.deepEqual(
      [...rawToDer(Buffer.concat(cases.zero as Buffer[]))],
      [0x30, 6, 0x02, 1, 0x00, 0x02, 1, 0x00],
    );
  });

  it('refuses what is not a DER signature', () => {
    const der = rawToDer(Buffer.concat(cases['plain values'] as Buffer[]));
    for (const bad of [
      Buffer.alloc(0),
      der.subarray(0, der.length - 1),
      Buffer.concat([der, Buffer.from([0])]),
      Buffer.from([0x31, ...der.subarray(1)]),
      Buffer.from([...der.subarray(0, 2), 0x03, ...der.subarray(3)]),
      Buffer.from([0x30, 4, 0x02, 0, 0x02, 0]),
    ])
      assert.throws(() => derToRaw(bad), /not a DER ECDSA signature/);
  });

  it('agrees with jose both ways over many signatures (some with short or high-bit r and s)', async () => {
    const jwk = privateKey.export({ format: 'jwk' });
    const webKey = await importJWK(jwk, 'ES256');
    for (let i = 0; i < 300; i++) {
      const ours = signEs256({}, { i }, privateKey);
      await compactVerify(ours, publicKey);
      const theirs = await new CompactSign(new TextEncoder().encode(JSON.stringify({ i })))
        .setProtectedHeader({ alg: 'ES256' })
        .sign(webKey);
      assert.equal((await verifyEs256(theirs, key)).ok, true, theirs);
    }
  });
});
