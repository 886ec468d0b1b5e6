// The JWKS documents of platform-JWT profiles with `jwksUri` (asymmetric tokens): fetched, capped and cached
// per URL. The URL comes only from the tenant's configuration, never from a token (`jku`, `x5u` and `jwk`
// headers are refused by core before any key is looked up), so a token cannot make the API fetch anything.
import { importJwksKeys, type JwtProfileName, type VerificationKey } from '@deskgate/core';
import type { Logger } from 'pino';
import { BodyRefused, readBoundedJson } from '../http/bounded-json.ts';

/** A fetch (connect, headers and body) that takes longer is abandoned. */
export const JWKS_TIMEOUT_MS = 5_000;
/** A larger document is refused: a JWK Set of a few keys is a few KB. */
export const JWKS_MAX_BYTES = 64 * 1024;
/** A good document is used this long before it is fetched again. */
export const JWKS_TTL_MS = 10 * 60_000;
/**
 * At most one fetch per URL in this period, whatever asks for it: a token with a kid the cached set lacks
 * (key rotation at the platform), an expired TTL or a retry after a failure. Tokens with made-up kids
 * therefore cost the platform one request per URL and period, not one per token.
 */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;

type Imported = Awaited<ReturnType<typeof importJwksKeys>>;

interface Entry {
  /** The last good document (a JSON object with a `keys` array), kept through failed refetches. */
  jwks?: Record<string, unknown>;
  /** When the last good document was fetched (deps.now). */
  fetchedAt: number;
  /** When the last fetch began, good or not (deps.now): the cooldown counts from it. */
  attemptedAt?: number;
  /** The fetch under way: concurrent tokens share it. */
  pending?: Promise<void>;
  /** The document's verification keys per profile and algorithms, imported once per document. */
  imported: Map<string, Promise<Imported>>;
}

/**
 * JwksCache: PER-INSTANCE STATE (one per createApp, i.e. per API process; the CLI's `jwt check` makes its
 * own). Not shared between API instances and not stored: each instance fetches on its own, which a JWKS
 * endpoint is made for. Safe to be stale: a JWK Set holds only public keys, a key the platform withdrew
 * stays usable here for at most JWKS_TTL_MS (plus the cooldown while the platform is unreachable, when the
 * last good set is served on purpose), and a new key is fetched as soon as a token names it (at most once
 * per cooldown). Size: one entry per distinct jwksUri configured in tenants; a URL removed from every
 * tenant keeps its entry until the process restarts.
 */
export class JwksCache {
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  readonly #entries = new Map<string, Entry>();

  constructor(deps: { now: () => number; fetch?: typeof fetch; logger?: Pick<Logger, 'warn'> }) {
    this.#now = deps.now;
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.#logger = deps.logger;
  }

  /**
   * The verification keys of the profile's JWKS at `url`: fetched when not cached or older than the TTL, and
   * with `refresh` (a token names a kid nobody has) refetched now, both at most once per cooldown. When a
   * fetch fails the last good set is served (logged at warn); without one, no keys (the token is then refused
   * with jwt_key_unknown).
   */
  async keys(
    url: string,
    profile: JwtProfileName,
    algorithms: readonly string[] | undefined,
    options: { refresh?: boolean } = {},
  ): Promise<VerificationKey[]> {
    let entry = this.#entries.get(url);
    if (!entry) {
      entry = { fetchedAt: 0, imported: new Map() };
      this.#entries.set(url, entry);
    }
    const now = this.#now();
    const stale = entry.jwks === undefined || now - entry.fetchedAt >= JWKS_TTL_MS;
    const cooled = entry.attemptedAt === undefined || now - entry.attemptedAt >= JWKS_REFETCH_COOLDOWN_MS;
    if (!entry.pending && (stale || options.refresh) && cooled) entry.pending = this.#refetch(url, entry);
    if (entry.pending) await entry.pending;
    const jwks = entry.jwks;
    if (jwks === undefined) return [];

    const slot = `${profile}\n${(algorithms ?? []).join(',')}`;
    let imported = entry.imported.get(slot);
    if (!imported) {
      imported = importJwksKeys(jwks, profile, algorithms);
      entry.imported.set(slot, imported);
      const { skipped } = await imported;
      // Once per document and profile: an operator can see why a kid is unknown.
      if (skipped.length > 0)
        this.#logger?.warn(
          { jwksUri: url, profile, skipped },
          'JWKS keys skipped (not usable for verification)',
        );
    }
    return (await imported).keys;
  }

  async #refetch(url: string, entry: Entry): Promise<void> {
    entry.attemptedAt = this.#now();
    try {
      const jwks = await this.#download(url);
      entry.jwks = jwks;
      entry.fetchedAt = this.#now();
      entry.imported = new Map();
    } catch (error) {
      this.#logger?.warn(
        {
          jwksUri: url,
          error: error instanceof Error ? error.message : String(error),
          serving: entry.jwks === undefined ? 'no keys' : 'the last good set',
        },
        'JWKS fetch failed',
      );
    } finally {
      entry.pending = undefined;
    }
  }

  /** One GET: no redirects, JWKS_TIMEOUT_MS for all of it, at most JWKS_MAX_BYTES, a JSON object with `keys`. */
  async #download(url: string): Promise<Record<string, unknown>> {
    const response = await this.#fetch(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      // A redirect could lead anywhere (plain http, internal hosts): the configured URL is the only one.
      redirect: 'error',
      signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`HTTP ${response.status}`);
    }
    let document: unknown;
    try {
      document = await readBoundedJson(response, JWKS_MAX_BYTES);
    } catch (error) {
      if (!(error instanceof BodyRefused)) throw error;
      throw new Error(
        error.reason === 'too_large'
          ? `the document is larger than ${JWKS_MAX_BYTES} bytes`
          : 'the document is not JSON',
      );
    }
    if (
      typeof document !== 'object' ||
      document === null ||
      Array.isArray(document) ||
      !Array.isArray((document as Record<string, unknown>).keys)
    )
      throw new Error('the document is not a JWK Set (a JSON object with a "keys" array)');
    return document as Record<string, unknown>;
  }
}
