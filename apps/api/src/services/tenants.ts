// Tenants as stored: validation and encryption of secrets on the way in, decryption only where needed.
import {
  type DerivedKeys,
  DeskgateError,
  encryptSecret,
  type OidcProviderConfig,
  openSecret,
  parseTenantConfig,
  REDACTED_SECRET,
  type Store,
  StoreConflictError,
  type TenantConfig,
} from '@deskgate/core';

export function secretContext(tenant: string, provider: string): string {
  return `tenant:${tenant}:oidc:${provider}:clientSecret`;
}

/** How long the set of all allowed origins is reused; it only picks an error code (see isAllowedAnywhere). */
export const ALLOWED_ORIGINS_TTL_MS = 30_000;

/** Validated configurations by the stored record they came from; a changed tenant is a new record. */
const PARSED = new WeakMap<object, TenantConfig>();

/** Shared by every request of the tenant, so frozen: whoever would change it must make a copy. */
function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) freeze(inner);
  }
  return value;
}

export class TenantService {
  readonly #store: Store;
  readonly #keys: DerivedKeys;
  readonly #now: () => number;
  #allowedOrigins: { origins: Set<string>; until: number } | undefined;

  constructor(store: Store, keys: DerivedKeys, now: () => number) {
    this.#store = store;
    this.#keys = keys;
    this.#now = now;
  }

  async get(code: string): Promise<TenantConfig | undefined> {
    const record = await this.#store.getTenant(code);
    if (!record) return undefined;
    // The store hands out the same (frozen) record while the stored tenant is unchanged: validate it once.
    let config = PARSED.get(record.config as object);
    if (!config) {
      config = freeze(parseTenantConfig(record.config));
      PARSED.set(record.config as object, config);
    }
    return config;
  }

  async list(): Promise<TenantConfig[]> {
    return (await this.#store.listTenants()).map((r) => parseTenantConfig(r.config));
  }

  /**
   * Whether any tenant allows this origin. It decides only whether a refused page may learn that a tenant
   * code does not exist, never whether a request is allowed (that is always the tenant's own fresh list), so
   * this instance reuses the set for ALLOWED_ORIGINS_TTL_MS rather than list every tenant per refusal.
   */
  async isAllowedAnywhere(origin: string): Promise<boolean> {
    const now = this.#now();
    if (!this.#allowedOrigins || now >= this.#allowedOrigins.until) {
      const origins = new Set((await this.list()).flatMap((tenant) => tenant.allowedOrigins));
      this.#allowedOrigins = { origins, until: now + ALLOWED_ORIGINS_TTL_MS };
    }
    return this.#allowedOrigins.origins.has(origin);
  }

  /** Validates operator input, encrypts plaintext secrets and stores it (create fails on a taken code). */
  async save(input: unknown, mode: 'create' | 'put'): Promise<TenantConfig> {
    const config = parseTenantConfig(input);
    for (const [i, provider] of config.oidc.entries()) {
      if (provider.clientSecret === REDACTED_SECRET) {
        throw new DeskgateError(
          'validation_failed',
          `tenant.oidc[${i}].clientSecret: "${REDACTED_SECRET}" is the placeholder for a stored secret, not a secret; give the secret itself`,
        );
      }
      if (provider.clientSecret !== undefined) {
        const context = secretContext(config.code, provider.id);
        provider.clientSecretEncrypted = await encryptSecret(
          this.#keys.secrets,
          provider.clientSecret,
          context,
        );
        delete provider.clientSecret;
      }
    }
    const now = this.#now();
    this.#allowedOrigins = undefined;
    const existing = await this.#store.getTenant(config.code);
    const record = {
      code: config.code,
      config: { ...config },
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    if (mode === 'create') {
      try {
        await this.#store.createTenant(record);
      } catch (error) {
        if (error instanceof StoreConflictError) {
          throw new DeskgateError('validation_failed', `Tenant "${config.code}" already exists`);
        }
        throw error;
      }
    } else {
      await this.#store.putTenant(record);
    }
    return config;
  }

  clientSecret(tenant: TenantConfig, provider: OidcProviderConfig): Promise<string> {
    if (!provider.clientSecretEncrypted) throw new TypeError(`Provider ${provider.id} has no client secret`);
    return openSecret(this.#keys, provider.clientSecretEncrypted, secretContext(tenant.code, provider.id));
  }
}
