// deskgate's signing keys, shared by all instances through the store; the plan itself lives in core.

import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import {
  type DerivedKeys,
  encryptSecret,
  generateSigningKey,
  type KeyRotationPolicy,
  openSecret,
  planSigningKeys,
  type SigningKeyRecord,
  type Store,
} from '@deskgate/core';

/** How long an instance trusts its copy of the key list before reading the store again. */
const KEY_LIST_TTL_MS = 30_000;

/** The place a signing key's private JWK is sealed for. */
export function signingKeyContext(kid: string): string {
  return `key:${kid}`;
}

export class KeyRing {
  readonly #store: Store;
  readonly #keys: DerivedKeys;
  readonly #policy: KeyRotationPolicy | undefined;
  #cache: { at: number; keys: SigningKeyRecord[] } | undefined;
  readonly #imported = new Map<string, KeyObject>();

  constructor(store: Store, keys: DerivedKeys, policy?: KeyRotationPolicy) {
    this.#store = store;
    this.#keys = keys;
    this.#policy = policy;
  }

  async #list(now: number, fresh = false): Promise<SigningKeyRecord[]> {
    if (fresh || !this.#cache || now - this.#cache.at > KEY_LIST_TTL_MS || now < this.#cache.at) {
      this.#cache = { at: now, keys: await this.#store.listSigningKeys() };
    }
    return this.#cache.keys;
  }

  /** The key to sign with now, creating the first or the next generation when the plan says so. */
  async signingKey(now: number): Promise<{ kid: string; privateKey: KeyObject }> {
    let plan = planSigningKeys(await this.#list(now), now, this.#policy);
    if (plan.create) {
      const { record, privateJwk } = await generateSigningKey(
        plan.create.generation,
        now,
        plan.create.activatesAt,
      );
      const privateJwkEncrypted = await encryptSecret(
        this.#keys.secrets,
        JSON.stringify(privateJwk),
        signingKeyContext(record.kid),
      );
      // Losing the race to another instance is fine: its key is as good as ours.
      await this.#store.insertSigningKey({ ...record, privateJwkEncrypted });
      plan = planSigningKeys(await this.#list(now, true), now, this.#policy);
    }
    if (plan.prune.length > 0) {
      for (const key of plan.prune) await this.#store.deleteSigningKey(key.kid);
      // Drop them from the cached list too, or every signing until the next reload deletes them again.
      if (this.#cache) this.#cache.keys = this.#cache.keys.filter((k) => !plan.prune.includes(k));
    }
    const key = plan.signing;
    if (!key) throw new Error('No signing key is active');
    return { kid: key.kid, privateKey: await this.#import(key, 'private') };
  }

  /** Public key by kid; an unknown kid re-reads the store once (another instance may have rotated). */
  async verificationKey(kid: string, now: number): Promise<KeyObject | undefined> {
    let key = (await this.#list(now)).find((k) => k.kid === kid);
    if (!key) key = (await this.#list(now, true)).find((k) => k.kid === kid);
    return key ? this.#import(key, 'public') : undefined;
  }

  /** The JWKS document: keys announced ahead of use and kept until their tokens expired. */
  async jwks(now: number): Promise<{ keys: Record<string, unknown>[] }> {
    // Runs the rotation plan too, so the JWKS is never empty and announces the next key in time.
    await this.signingKey(now);
    const plan = planSigningKeys(await this.#list(now), now, this.#policy);
    return { keys: plan.publish.map((k) => k.publicJwk) };
  }

  /** node:crypto KeyObjects: the access token is signed and verified with node:crypto (core/jws.ts). */
  async #import(key: SigningKeyRecord, which: 'public' | 'private'): Promise<KeyObject> {
    const cacheKey = `${which}:${key.kid}`;
    let imported = this.#imported.get(cacheKey);
    if (!imported) {
      const jwk =
        which === 'public'
          ? key.publicJwk
          : JSON.parse(await openSecret(this.#keys, key.privateJwkEncrypted, signingKeyContext(key.kid)));
      imported =
        which === 'public'
          ? createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
          : createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
      this.#imported.set(cacheKey, imported);
    }
    return imported;
  }
}
