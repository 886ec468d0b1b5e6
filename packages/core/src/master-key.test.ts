import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { attemptProof } from './attempt.ts';
import { base64urlDecode, base64urlEncode, type HmacKey, hmacSha256, type SecretKey } from './encoding.ts';
import {
  attemptProofKeys,
  decryptSecret,
  deriveKeys,
  encryptSecret,
  generateMasterKey,
  isEncryptedSecret,
  MASTER_KEY_BYTES,
  openSecret,
  openSecretWithKey,
  parseMasterKey,
} from './master-key.ts';

const KEY_A = base64urlEncode(Uint8Array.from({ length: 32 }, (_, i) => i));
const KEY_B = base64urlEncode(Uint8Array.from({ length: 32 }, (_, i) => 255 - i));
const CONTEXT = 'tenant:acme/oidc:sso/clientSecret';
const SECRET = 'client-secret-value-4f1b2c';

describe('parseMasterKey', () => {
  it('returns the 32 bytes of a base64url key', () => {
    const bytes = parseMasterKey(KEY_A);
    assert.equal(bytes.length, MASTER_KEY_BYTES);
    assert.deepEqual(
      bytes,
      Uint8Array.from({ length: 32 }, (_, i) => i),
    );
  });

  it('ignores surrounding whitespace such as a trailing newline from a file', () => {
    assert.deepEqual(parseMasterKey(`  ${KEY_A}\n`), parseMasterKey(KEY_A));
  });

  it('accepts a key from generateMasterKey', () => {
    const text = generateMasterKey();
    assert.match(text, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(parseMasterKey(text).length, 32);
  });

  it('rejects a key of 31 bytes', () => {
    assert.throws(() => parseMasterKey(base64urlEncode(new Uint8Array(31))), TypeError);
  });

  it('rejects a key of 33 bytes', () => {
    assert.throws(() => parseMasterKey(base64urlEncode(new Uint8Array(33))), TypeError);
  });

  it('rejects an empty key', () => {
    assert.throws(() => parseMasterKey(''), TypeError);
  });

  it('rejects standard base64 with + and / and padding', () => {
    const standard = Buffer.from(Uint8Array.from({ length: 32 }, () => 0xfb)).toString('base64');
    assert.match(standard, /[+/=]/);
    assert.throws(() => parseMasterKey(standard), TypeError);
  });

  it('rejects characters outside base64url', () => {
    assert.throws(() => parseMasterKey(`${KEY_A.slice(0, 42)}!`), TypeError);
    assert.throws(() => parseMasterKey(`${KEY_A.slice(0, 20)}.${KEY_A.slice(20)}`), TypeError);
  });

  it('rejects a hex-encoded key', () => {
    assert.throws(() => parseMasterKey(Buffer.alloc(32, 7).toString('hex')), TypeError);
  });

  it('does not echo the rejected key in the error', () => {
    const bad = `${KEY_A}AAAA`;
    assert.throws(
      () => parseMasterKey(bad),
      (e: unknown) => e instanceof TypeError && !e.message.includes(bad),
    );
  });
});

describe('encryptSecret / decryptSecret', () => {
  it('round-trips a secret under the same key and context', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(secrets, SECRET, CONTEXT);
    assert.equal(await decryptSecret(secrets, sealed, CONTEXT), SECRET);
  });

  it('round-trips an empty and a non-ASCII secret', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    assert.equal(await decryptSecret(secrets, await encryptSecret(secrets, '', CONTEXT), CONTEXT), '');
    const unicode = 'geheim-wachtwoord-ß-🔑';
    assert.equal(
      await decryptSecret(secrets, await encryptSecret(secrets, unicode, CONTEXT), CONTEXT),
      unicode,
    );
  });

  it('produces enc.v1.<12-byte iv>.<ciphertext+16-byte tag>', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(secrets, SECRET, CONTEXT);
    assert.equal(isEncryptedSecret(sealed), true);
    const [prefix, version, iv, data, ...rest] = sealed.split('.');
    assert.deepEqual([prefix, version, rest], ['enc', 'v1', []]);
    assert.equal(base64urlDecode(iv!).length, 12);
    assert.equal(base64urlDecode(data!).length, new TextEncoder().encode(SECRET).length + 16);
  });

  it('never contains the plaintext, in clear or base64url', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(secrets, SECRET, CONTEXT);
    assert.equal(sealed.includes(SECRET), false);
    assert.equal(sealed.includes(base64urlEncode(new TextEncoder().encode(SECRET)).slice(0, 16)), false);
  });

  it('uses a fresh IV on every call', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const a = await encryptSecret(secrets, SECRET, CONTEXT);
    const b = await encryptSecret(secrets, SECRET, CONTEXT);
    assert.notEqual(a, b);
    assert.notEqual(a.split('.')[2], b.split('.')[2]);
  });

  it('fails with a TypeError under another master key', async () => {
    const a = await deriveKeys(parseMasterKey(KEY_A));
    const b = await deriveKeys(parseMasterKey(KEY_B));
    const sealed = await encryptSecret(a.secrets, SECRET, CONTEXT);
    await assert.rejects(decryptSecret(b.secrets, sealed, CONTEXT), TypeError);
  });

  it('fails with a TypeError when moved to another context (AES-GCM additional data)', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(secrets, SECRET, CONTEXT);
    await assert.rejects(decryptSecret(secrets, sealed, 'tenant:other/oidc:sso/clientSecret'), TypeError);
  });

  it('fails with a TypeError when the ciphertext was altered', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(secrets, SECRET, CONTEXT);
    const [, , iv, data] = sealed.split('.');
    const bytes = base64urlDecode(data!);
    bytes[0]! ^= 1;
    await assert.rejects(
      decryptSecret(secrets, `enc.v1.${iv}.${base64urlEncode(bytes)}`, CONTEXT),
      TypeError,
    );
  });

  it('does not echo the plaintext or ciphertext in the decryption error', async () => {
    const a = await deriveKeys(parseMasterKey(KEY_A));
    const b = await deriveKeys(parseMasterKey(KEY_B));
    const sealed = await encryptSecret(a.secrets, SECRET, CONTEXT);
    await assert.rejects(
      decryptSecret(b.secrets, sealed, CONTEXT),
      (e: unknown) => e instanceof TypeError && !e.message.includes(SECRET) && !e.message.includes(sealed),
    );
  });

  it('rejects a value without the enc.v1. prefix', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    await assert.rejects(decryptSecret(secrets, SECRET, CONTEXT), TypeError);
  });

  it('rejects a prefixed value without both iv and data', async () => {
    const { secrets } = await deriveKeys(parseMasterKey(KEY_A));
    await assert.rejects(decryptSecret(secrets, 'enc.v1.abc', CONTEXT), TypeError);
    await assert.rejects(decryptSecret(secrets, 'enc.v1..abc', CONTEXT), TypeError);
  });
});

describe('isEncryptedSecret', () => {
  it('recognises only strings with the enc.v1. prefix', () => {
    assert.equal(isEncryptedSecret('enc.v1.a.b'), true);
    assert.equal(isEncryptedSecret('enc.v2.a.b'), false);
    assert.equal(isEncryptedSecret('plain'), false);
    assert.equal(isEncryptedSecret(undefined), false);
    assert.equal(isEncryptedSecret(42), false);
  });
});

describe('deriveKeys', () => {
  it('derives the same HMAC keys from the same master key', async () => {
    const data = new TextEncoder().encode('x');
    const one = await deriveKeys(parseMasterKey(KEY_A));
    const two = await deriveKeys(parseMasterKey(KEY_A));
    const mac = (k: HmacKey) => hmacSha256(k, 'x');
    assert.equal(await mac(one.refreshSuccessor), await mac(two.refreshSuccessor));
    assert.equal(await mac(one.attemptProof), await mac(two.attemptProof));
  });

  it('derives separate keys per purpose and per master key', async () => {
    const a = await deriveKeys(parseMasterKey(KEY_A));
    const b = await deriveKeys(parseMasterKey(KEY_B));
    const mac = (k: HmacKey) => hmacSha256(k, 'x');
    const macs = [await mac(a.refreshSuccessor), await mac(a.attemptProof), await mac(b.refreshSuccessor)];
    assert.equal(new Set(macs).size, 3);
  });

  it('makes the AES key non-extractable, and the HMAC keys secret KeyObjects', async () => {
    const keys = await deriveKeys(parseMasterKey(KEY_A));
    assert.equal(keys.secrets.extractable, false);
    assert.equal(keys.refreshSuccessor.type, 'secret');
    assert.equal(keys.attemptProof.type, 'secret');
  });

  it('derives the HMAC keys Web Crypto derived before (HKDF-SHA-256, empty salt): old successors and proofs hold', async () => {
    const master = await crypto.subtle.importKey('raw', parseMasterKey(KEY_A), 'HKDF', false, ['deriveKey']);
    const keys = await deriveKeys(parseMasterKey(KEY_A));
    for (const [info, key] of [
      ['deskgate/v1/refresh-successor', keys.refreshSuccessor],
      ['deskgate/v1/attempt-proof', keys.attemptProof],
    ] as const) {
      const webKey = await crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
        master,
        { name: 'HMAC', hash: 'SHA-256', length: 256 },
        false,
        ['sign'],
      );
      const before = base64urlEncode(
        new Uint8Array(await crypto.subtle.sign('HMAC', webKey, new TextEncoder().encode('successor:t'))),
      );
      assert.equal(await hmacSha256(key, 'successor:t'), before, info);
    }
  });
});

describe('previous master keys (rotation)', () => {
  const KEY_C = base64urlEncode(Uint8Array.from({ length: 32 }, (_, i) => (i * 7) % 256));

  it('has no previous keys unless given', async () => {
    assert.deepEqual((await deriveKeys(parseMasterKey(KEY_A))).previous, []);
  });

  it('leaves out a previous key that is the current one, and repeats', async () => {
    const keys = await deriveKeys(parseMasterKey(KEY_B), [
      parseMasterKey(KEY_A),
      parseMasterKey(KEY_B),
      parseMasterKey(KEY_A),
    ]);
    assert.equal(keys.previous.length, 1);
  });

  it('openSecret opens a secret sealed with the current key or any previous one', async () => {
    const old = await deriveKeys(parseMasterKey(KEY_A));
    const older = await deriveKeys(parseMasterKey(KEY_C));
    const rolled = await deriveKeys(parseMasterKey(KEY_B), [parseMasterKey(KEY_A), parseMasterKey(KEY_C)]);
    for (const sealer of [old, older, rolled]) {
      const sealed = await encryptSecret(sealer.secrets, SECRET, CONTEXT);
      assert.equal(await openSecret(rolled, sealed, CONTEXT), SECRET);
    }
  });

  it('openSecretWithKey tells whether the current key opened it', async () => {
    const old = await deriveKeys(parseMasterKey(KEY_A));
    const rolled = await deriveKeys(parseMasterKey(KEY_B), [parseMasterKey(KEY_A)]);
    const underOld = await encryptSecret(old.secrets, SECRET, CONTEXT);
    const underNew = await encryptSecret(rolled.secrets, SECRET, CONTEXT);
    assert.deepEqual(await openSecretWithKey(rolled, underOld, CONTEXT), {
      plaintext: SECRET,
      current: false,
    });
    assert.deepEqual(await openSecretWithKey(rolled, underNew, CONTEXT), {
      plaintext: SECRET,
      current: true,
    });
  });

  it('openSecret refuses a secret of no known key, a moved one and a malformed one, never echoing it', async () => {
    const stranger = await deriveKeys(parseMasterKey(KEY_C));
    const rolled = await deriveKeys(parseMasterKey(KEY_B), [parseMasterKey(KEY_A)]);
    const sealed = await encryptSecret(stranger.secrets, SECRET, CONTEXT);
    await assert.rejects(
      openSecret(rolled, sealed, CONTEXT),
      (e: unknown) => e instanceof TypeError && !e.message.includes(sealed) && !e.message.includes(SECRET),
    );
    const own = await encryptSecret(rolled.previous[0]!.secrets, SECRET, CONTEXT);
    await assert.rejects(openSecret(rolled, own, 'tenant:other/oidc:sso/clientSecret'), TypeError);
    await assert.rejects(openSecret(rolled, 'enc.v1.abc', CONTEXT), TypeError);
    await assert.rejects(openSecret(rolled, SECRET, CONTEXT), TypeError);
  });

  it('without previous keys, a secret of the old key no longer opens', async () => {
    const old = await deriveKeys(parseMasterKey(KEY_A));
    const sealed = await encryptSecret(old.secrets, SECRET, CONTEXT);
    await assert.rejects(openSecret(await deriveKeys(parseMasterKey(KEY_B)), sealed, CONTEXT), TypeError);
  });

  it('attemptProofKeys lists the current proof key first, then the previous ones', async () => {
    const old = await deriveKeys(parseMasterKey(KEY_A));
    const rolled = await deriveKeys(parseMasterKey(KEY_B), [parseMasterKey(KEY_A)]);
    const proofs = await Promise.all(attemptProofKeys(rolled).map((key) => attemptProof(key, 'att-1')));
    assert.deepEqual(proofs, [
      await attemptProof(rolled.attemptProof, 'att-1'),
      await attemptProof(old.attemptProof, 'att-1'),
    ]);
    assert.deepEqual(attemptProofKeys(old), [old.attemptProof]);
  });
});
