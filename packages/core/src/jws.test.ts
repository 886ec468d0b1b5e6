import assert from 'node:assert/strict';
import { generateKeyPairSync, type webcrypto } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, SignJWT } from 'jose';
import { describe, it } from 'vitest';
import { signEs256, verifyEs256 } from './jws.ts';

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
