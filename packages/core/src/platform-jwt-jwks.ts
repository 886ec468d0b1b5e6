// A profile's JWKS (fetched by the API) as verification keys: only public signing keys of the allowed
// algorithms; every key left out is named with the reason. Pure.
import { importJWK, type JWK } from 'jose';
import { MAX_KID_LENGTH, type VerificationKey } from './platform-jwt.ts';
import { JWKS_ALGORITHMS, type JwtProfileName } from './platform-jwt-config.ts';

/**
 * The verification keys of a profile's JWKS document (the API fetches it): only public signing keys with an
 * `alg` among `algorithms` (a key's algorithm is never guessed from a token). Unusable keys are skipped, with
 * the reason, so that `jwt check` can show why a kid is unknown.
 */
export async function importJwksKeys(
  jwks: unknown,
  profile: JwtProfileName,
  algorithms: readonly string[] = JWKS_ALGORITHMS,
): Promise<{ keys: VerificationKey[]; skipped: { kid: string | null; reason: string }[] }> {
  const keys: VerificationKey[] = [];
  const skipped: { kid: string | null; reason: string }[] = [];
  const allowed = algorithms.filter((alg) => JWKS_ALGORITHMS.includes(alg));
  const list = typeof jwks === 'object' && jwks !== null ? (jwks as Record<string, unknown>).keys : undefined;
  if (!Array.isArray(list)) return { keys, skipped: [{ kid: null, reason: 'not a JWK Set' }] };
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      skipped.push({ kid: null, reason: 'not a JWK' });
      continue;
    }
    const jwk = item as JWK;
    const kid = typeof jwk.kid === 'string' ? jwk.kid : null;
    const skip = (reason: string) => skipped.push({ kid, reason });
    if (jwk.kid !== undefined && (kid === null || kid === '' || kid.length > MAX_KID_LENGTH))
      skip('invalid kid');
    else if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].some((m) => m in jwk))
      skip('private or symmetric key material');
    else if (jwk.use !== undefined && jwk.use !== 'sig') skip('use is not "sig"');
    else if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
      skip('key_ops does not include "verify"');
    else if (typeof jwk.alg !== 'string') skip('no alg');
    else if (!allowed.includes(jwk.alg)) skip(`alg ${jwk.alg} is not allowed`);
    else {
      try {
        const key = await importJWK(jwk, jwk.alg);
        if (key instanceof Uint8Array) skip('symmetric key');
        else keys.push({ kid: kid ?? '', alg: jwk.alg, profile, key });
      } catch {
        skip(`not a valid ${jwk.alg} public key`);
      }
    }
  }
  return { keys, skipped };
}
