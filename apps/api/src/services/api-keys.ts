// Tenant API keys (`dgk_`, sign-in) and SCIM tokens (`dgs_`, provisioning): made, listed and revoked by the
// operator; checked where they are presented. One format and one store table, told apart by `purpose`, so a key
// of one kind is never accepted as the other. Only a digest is stored.
import {
  type ApiKeyRecord,
  DeskgateError,
  generateApiKey,
  type KeyPrefix,
  parseApiKey,
  type Store,
  StoreConflictError,
  sha256,
  timingSafeEqual,
} from '@deskgate/core';

export type ApiKeyInfo = Omit<ApiKeyRecord, 'digest'>;

type Purpose = ApiKeyRecord['purpose'];

const KINDS: Record<Purpose, { prefix: KeyPrefix; noun: string }> = {
  sdk: { prefix: 'dgk_', noun: 'API key' },
  scim: { prefix: 'dgs_', noun: 'SCIM token' },
};

export class ApiKeyService {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #purpose: Purpose;

  constructor(store: Store, now: () => number, purpose: Purpose = 'sdk') {
    this.#store = store;
    this.#now = now;
    this.#purpose = purpose;
  }

  /** A new key, returned once. `expiresAt` and `allowedOrigins` are optional limits. */
  async create(
    tenant: string,
    options: { expiresAt?: number | null; allowedOrigins?: string[] } = {},
  ): Promise<ApiKeyInfo & { key: string }> {
    for (;;) {
      const { key, kid } = generateApiKey(KINDS[this.#purpose].prefix);
      const record: ApiKeyRecord = {
        kid,
        tenant,
        digest: await sha256(key),
        allowedOrigins: options.allowedOrigins ?? [],
        createdAt: this.#now(),
        expiresAt: options.expiresAt ?? null,
        revokedAt: null,
        purpose: this.#purpose,
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
    // SCIM tokens share the table; they are not this service's keys.
    return (await this.#store.listApiKeys(tenant))
      .filter((k) => k.purpose === this.#purpose)
      .map(({ digest: _, ...info }) => info);
  }

  /** Revokes a key of this kind (`api-key revoke` cannot revoke a SCIM token, nor the other way round). */
  async revoke(tenant: string, kid: string): Promise<boolean> {
    const record = await this.#store.getApiKey(kid);
    if (record?.purpose !== this.#purpose) return false;
    return this.#store.revokeApiKey(tenant, kid, this.#now());
  }

  /**
   * The key of `tenant` that `presented` is, usable from `origin` now. A malformed key (or a checksum that
   * does not match) is refused before any lookup; every other refusal looks the same to the caller except
   * revoked and expired, which an integrator must be able to tell apart.
   */
  async authenticate(tenant: string, presented: string | undefined, origin: string | undefined, now: number) {
    const { prefix, noun } = KINDS[this.#purpose];
    const INVALID = `This ${noun} is not valid for this tenant`;
    const parsed = parseApiKey(presented, prefix);
    if (!parsed) throw new DeskgateError('api_key_invalid', INVALID);
    const record = await this.#store.getApiKey(parsed.kid);
    const digest = await sha256(presented!);
    // Compared in constant time, and computed even for an unknown kid so both cost the same.
    // A key of the other kind (a SCIM token presented as an API key) is refused as an unknown one.
    if (
      !record ||
      record.tenant !== tenant ||
      record.purpose !== this.#purpose ||
      !timingSafeEqual(digest, record.digest)
    )
      throw new DeskgateError('api_key_invalid', INVALID);
    if (record.revokedAt !== null) throw new DeskgateError('api_key_revoked', `This ${noun} was revoked`);
    if (record.expiresAt !== null && now >= record.expiresAt)
      throw new DeskgateError('api_key_expired', `This ${noun} has expired`);
    if (record.allowedOrigins.length && !record.allowedOrigins.includes(origin ?? ''))
      throw new DeskgateError('origin_not_allowed', 'This API key may not be used from this origin');
    return record;
  }
}
