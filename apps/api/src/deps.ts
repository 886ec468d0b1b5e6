// What createApp needs from the outside world; the node entry builds it, tests build their own.
import type { DerivedKeys, Store, TenantConfig } from '@deskgate/core';
import type { Logger } from 'pino';

export interface SdkAssets {
  loader: { body: string; etag: string };
  /** Content-hashed file name -> contents. */
  chunks: Map<string, { body: string; etag: string }>;
}

/** The API reference viewer's files (swagger-ui-dist), by file name. */
export type ReferenceAssets = Map<string, { body: string | Uint8Array<ArrayBuffer>; contentType: string }>;

export interface Deps {
  store: Store;
  keys: DerivedKeys;
  /** Public base URL of this API, e.g. https://auth.example.com (no trailing slash). */
  publicUrl: string;
  /** Epoch milliseconds; tests move it instead of sleeping. */
  now: () => number;
  logger: Logger;
  /** Outbound fetch for the IdP (discovery, token, JWKS). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Built SDK files; without them /sdk/* answers 404. */
  sdk?: SdkAssets;
  /** The API reference viewer; without it /reference and its files answer 404. */
  reference?: ReferenceAssets;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    tenant: TenantConfig;
  };
}
