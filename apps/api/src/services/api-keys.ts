// Tenant API keys: made, listed and revoked by the operator; checked at sign-in. Only a digest is stored.
import {
  type ApiKeyRecord,
  DeskgateError,
  generateApiKey,
  parseApiKey,
  type Store,
  StoreConflictError,
  sha256,
  timingSafeEqual,
} from '@deskgate/core';

export type ApiKeyInfo = Omit<ApiKeyRecord, 'digest'>;

const INVALID = 'This API key is not valid for this tenant';

export class ApiKeyService {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** A new key, returned once. `expiresAt` and `allowedOrigins` are optional limits. */
  async create(
    tenant: string,
    options: { expiresAt?: number | null; allowedOrigins?: string[] } = {},
  ): Promise<ApiKeyInfo & { key: string }> {
    for (;;) {
      const { key, kid } = generateApiKey();
      const record: ApiKeyRecord = {
        kid,
        tenant,
        digest: await sha256(key),
        allowedOrigins: options.allowedOrigins ?? [],
        createdAt: this.#now(),
        expiresAt: options.expiresAt ?? null,
        revokedAt: null,
      };
      try {
        await this.#store.createApiKey(record);
      } catch (error) {
        // A kid is 62 random bits: a collision is astronomically rare, but never fatal.
        if (error instanceof StoreConflictError) continue;
        throw error;
      }
      const { digest: _, ...info } = record;
      return { ...info, key };
    }
  }

  async list(tenant: string): Promise<ApiKeyInfo[]> {
    return (await this.#store.listApiKeys(tenant)).map(({ digest: _, ...info }) => info);
  }

  revoke(tenant: string, kid: string): Promise<boolean> {
    return this.#store.revokeApiKey(tenant, kid, this.#now());
  }

  /**
   * The key of `tenant` that `presented` is, usable from `origin` now. A malformed key (or a checksum that
   * does not match) is refused before any lookup; every other refusal looks the same to the caller except
   * revoked and expired, which an integrator must be able to tell apart.
   */
  async authenticate(tenant: string, presented: string | undefined, origin: string | undefined, now: number) {
    const parsed = parseApiKey(presented);
    if (!parsed) throw new DeskgateError('api_key_invalid', INVALID);
    const record = await this.#store.getApiKey(parsed.kid);
    const digest = await sha256(presented!);
    // Compared in constant time, and computed even for an unknown kid so both cost the same.
    if (!record || record.tenant !== tenant || !timingSafeEqual(digest, record.digest))
      throw new DeskgateError('api_key_invalid', INVALID);
    if (record.revokedAt !== null) throw new DeskgateError('api_key_revoked', 'This API key was revoked');
    if (record.expiresAt !== null && now >= record.expiresAt)
      throw new DeskgateError('api_key_expired', 'This API key has expired');
    if (record.allowedOrigins.length && !record.allowedOrigins.includes(origin ?? ''))
      throw new DeskgateError('origin_not_allowed', 'This API key may not be used from this origin');
    return record;
  }
}
