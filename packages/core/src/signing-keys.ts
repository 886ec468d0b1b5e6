// deskgate's own signing keys (D5): when to create, use, publish and drop each key, as a pure plan.
import { exportJWK, generateKeyPair } from 'jose';
import { randomToken } from './encoding.ts';
import type { SigningKeyRecord } from './store.ts';

export const SIGNING_ALG = 'ES256';

export interface KeyRotationPolicy {
  /** Start publishing a successor when the active key is this old. @default 30 days */
  rotateAfterMs: number;
  /** A new key is in the JWKS this long before it signs (longer than the JWKS cache max-age). @default 1 hour */
  publishLeadMs: number;
  /** A superseded key stays published this long (longer than any access token it signed). @default 2 hours */
  retainAfterSupersededMs: number;
}

export const DEFAULT_KEY_ROTATION: KeyRotationPolicy = {
  rotateAfterMs: 30 * 24 * 60 * 60 * 1000,
  publishLeadMs: 60 * 60 * 1000,
  retainAfterSupersededMs: 2 * 60 * 60 * 1000,
};

export interface KeyPlan {
  /** The key to sign with now; undefined only before the very first key exists. */
  signing: SigningKeyRecord | undefined;
  /** A key generation to create now, and when it may start signing. */
  create: { generation: number; activatesAt: number } | undefined;
  /** Keys to publish in the JWKS. */
  publish: SigningKeyRecord[];
  /** Keys no token can still need. */
  prune: SigningKeyRecord[];
}

export function planSigningKeys(
  keys: readonly SigningKeyRecord[],
  now: number,
  policy: KeyRotationPolicy = DEFAULT_KEY_ROTATION,
): KeyPlan {
  const sorted = [...keys].sort((a, b) => b.generation - a.generation);
  const active = sorted.filter((k) => k.activatesAt <= now);
  // The first key signs at once, also for an instance whose clock reads a moment earlier than the clock of
  // the instance that created it (two instances signing their first tokens together).
  const first = sorted.length === 1 && sorted[0]!.generation === 1 ? sorted[0] : undefined;
  const signing = active[0] ?? first;
  const newest = sorted[0];
  let create: KeyPlan['create'];
  if (!newest) {
    // First start: nobody can have cached an older JWKS, so the first key signs at once.
    create = { generation: 1, activatesAt: now };
  } else if (newest === signing && now - signing.activatesAt >= policy.rotateAfterMs) {
    create = { generation: newest.generation + 1, activatesAt: now + policy.publishLeadMs };
  }
  const publish: SigningKeyRecord[] = [];
  const prune: SigningKeyRecord[] = [];
  for (const key of sorted) {
    // A key is superseded when a newer key became active; it stays until its tokens have expired.
    // The first key that replaced this one (lowest newer active generation) starts its retention clock.
    const successor = sorted.findLast((k) => k.generation > key.generation && k.activatesAt <= now);
    const keep = !successor || now - successor.activatesAt < policy.retainAfterSupersededMs;
    (keep ? publish : prune).push(key);
  }
  return { signing, create, publish, prune };
}

/** Generates a key pair for `generation`; the caller encrypts the private JWK before storing it. */
export async function generateSigningKey(generation: number, now: number, activatesAt: number) {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const kid = `k${generation}-${randomToken(6)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG };
  return {
    record: { kid, generation, alg: SIGNING_ALG, publicJwk, createdAt: now, activatesAt },
    privateJwk,
  };
}
