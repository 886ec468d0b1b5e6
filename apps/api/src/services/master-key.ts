// Master-key rotation (`pnpm deskgate master-key rotate`): every value sealed with the master key is opened with
// whichever known key opens it and sealed again with the current one.
//
// Why one compare-and-swap per row and not one transaction over all of them: each row is independent and, while
// the instances hold both keys, readable with either key at every moment. So nothing needs the rows to change
// together, a crash midway leaves a store that works (some rows under the new key, the rest under the old), and
// running the command again finishes the job. The compare-and-swap keeps a value written meanwhile by the
// application (a tenant changed, a mail sent) from being overwritten with an older one; a lost swap is retried
// once on the row read again. One long transaction would instead hold every row locked against the running
// instances for the whole rotation.
import {
  type DerivedKeys,
  encryptSecret,
  openSecretWithKey,
  type SealedSecretRecord,
  type Store,
} from '@deskgate/core';
import { sealContext } from '../mail/outbox.ts';
import { secretContext as jwtKeyContext } from './jwt-keys.ts';
import { signingKeyContext } from './keyring.ts';
import { secretContext as clientSecretContext } from './tenants.ts';

export type SealedKind = SealedSecretRecord['kind'];

export const SEALED_KINDS: readonly SealedKind[] = ['signing_key', 'jwt_key', 'tenant', 'mail'];

/** Per kind: secrets sealed again with the current key, and those it had sealed already (left as they are). */
export interface RotationCounts {
  resealed: number;
  current: number;
}

export interface RotationResult {
  /** For tenants, the OIDC client secrets inside their configurations. */
  counts: Record<SealedKind, RotationCounts>;
  /** Rows that went while rotating (a signing key pruned, a mail sent): nothing left to rotate. */
  gone: number;
  /** Values no known key opens (another master key, damaged): left as they are. Never their values. */
  unreadable: Pick<SealedSecretRecord, 'kind' | 'id' | 'tenant'>[];
  /** Rows changed by someone else twice in a row while rotating: run the rotation again. */
  conflicts: Pick<SealedSecretRecord, 'kind' | 'id' | 'tenant'>[];
}

/** Where a record lives, as the result names it (never its value). */
const place = ({ kind, id, tenant }: SealedSecretRecord) => ({ kind, id, tenant });

/** A value no known key opens. */
class Unreadable extends Error {}

interface Resealed {
  /** The new column text, or undefined when everything in it is under the current key already. */
  value?: string;
  resealed: number;
  current: number;
}

/** Opens one sealed value with any known key and seals it with the current one (when it is not already). */
async function resealOne(keys: DerivedKeys, sealed: string, context: string): Promise<Resealed> {
  let opened: { plaintext: string; current: boolean };
  try {
    opened = await openSecretWithKey(keys, sealed, context);
  } catch {
    throw new Unreadable();
  }
  if (opened.current) return { resealed: 0, current: 1 };
  return { value: await encryptSecret(keys.secrets, opened.plaintext, context), resealed: 1, current: 0 };
}

/** The new text of a tenant's configuration: each OIDC client secret in it opened and sealed again. */
async function resealTenant(keys: DerivedKeys, record: SealedSecretRecord): Promise<Resealed> {
  const config = JSON.parse(record.value) as { oidc?: { id?: unknown; clientSecretEncrypted?: unknown }[] };
  const result: Resealed = { resealed: 0, current: 0 };
  for (const provider of Array.isArray(config.oidc) ? config.oidc : []) {
    if (typeof provider.clientSecretEncrypted !== 'string') continue;
    const one = await resealOne(
      keys,
      provider.clientSecretEncrypted,
      clientSecretContext(record.id, String(provider.id)),
    );
    result.resealed += one.resealed;
    result.current += one.current;
    if (one.value !== undefined) provider.clientSecretEncrypted = one.value;
  }
  // The rest of the configuration is written back as it was read (JSON text made by JSON.stringify).
  if (result.resealed > 0) result.value = JSON.stringify(config);
  return result;
}

function reseal(keys: DerivedKeys, record: SealedSecretRecord): Promise<Resealed> {
  switch (record.kind) {
    case 'signing_key':
      return resealOne(keys, record.value, signingKeyContext(record.id));
    case 'jwt_key':
      return resealOne(keys, record.value, jwtKeyContext(record.tenant ?? '', record.id));
    case 'mail':
      return resealOne(keys, record.value, sealContext(record.id));
    case 'tenant':
      return resealTenant(keys, record);
  }
}

const same = (a: SealedSecretRecord, b: SealedSecretRecord) =>
  a.kind === b.kind && a.id === b.id && a.tenant === b.tenant;

/**
 * Seals every stored secret with the current key of `keys` (`keys.previous` must hold the keys that sealed the
 * others). Secrets already under the current key are counted and left alone, so running it again is harmless.
 */
export async function rotateSecrets(store: Store, keys: DerivedKeys): Promise<RotationResult> {
  const result: RotationResult = {
    counts: Object.fromEntries(SEALED_KINDS.map((k) => [k, { resealed: 0, current: 0 }])) as Record<
      SealedKind,
      RotationCounts
    >,
    gone: 0,
    unreadable: [],
    conflicts: [],
  };
  for (const listed of await store.listSealedSecrets()) {
    let record: SealedSecretRecord | undefined = listed;
    for (let tries = 0; record; tries++) {
      let next: Resealed;
      try {
        next = await reseal(keys, record);
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
        result.unreadable.push(place(record));
        break;
      }
      if (next.value === undefined || (await store.replaceSealedSecret(record, next.value))) {
        result.counts[record.kind].resealed += next.resealed;
        result.counts[record.kind].current += next.current;
        break;
      }
      // Changed meanwhile: read it again and retry once; it may have gone (a key pruned, a mail sent).
      if (tries === 1) {
        result.conflicts.push(place(record));
        break;
      }
      const current: SealedSecretRecord = record;
      record = (await store.listSealedSecrets()).find((r) => same(r, current));
      if (!record) result.gone++;
    }
  }
  return result;
}
