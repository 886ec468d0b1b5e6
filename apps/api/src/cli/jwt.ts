// `jwt-key create|import|list|revoke` and `jwt check`: platform-JWT keys and the integrator's token test.
import { readFile } from 'node:fs/promises';
import { type CheckStep, DeskgateError, JWT_PROFILES, type JwtProfileName } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import { operatorEvent, recordAudit } from '../services/audit.ts';
import { IdentityService } from '../services/identities.ts';
import { JwtKeyService } from '../services/jwt-keys.ts';
import { KeyRing } from '../services/keyring.ts';
import { PlatformJwtService } from '../services/platform-jwt.ts';
import { SessionService } from '../services/sessions.ts';
import type { TenantService } from '../services/tenants.ts';
import { CliFailure, UsageError, type Values } from './commands.ts';

/** Presets per profile, the first being the one a new profile gets. */
const PRESETS: Record<JwtProfileName, string[]> = {
  session: ['messenger', 'tracebuzz', 'custom'],
  'one-time': ['deskpro', 'custom'],
};

export interface JwtIo {
  out(text: string): void;
  note(text: string): void;
  /** All of stdin, for `jwt check <tenant> -`. */
  stdin(): Promise<string>;
}

function profileOption(command: string, values: Values, required: boolean): JwtProfileName {
  const profile = values.profile ?? (required ? undefined : 'session');
  if (profile === undefined)
    throw new UsageError(`${command}: missing --profile (session or one-time)`, command);
  if (!(JWT_PROFILES as readonly string[]).includes(profile))
    throw new UsageError(`${command}: --profile must be session or one-time, not "${profile}"`, command);
  return profile as JwtProfileName;
}

async function tenantOf(tenants: TenantService, code: string) {
  const tenant = await tenants.get(code);
  if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
  return tenant;
}

/** Gives the profile its preset when it has none yet (or another, when --preset asks for one). */
async function ensureProfile(
  tenants: TenantService,
  code: string,
  profile: JwtProfileName,
  preset: string | undefined,
  io: JwtIo,
) {
  if (preset !== undefined && !PRESETS[profile].includes(preset))
    throw new UsageError(
      `jwt-key create: --preset for ${profile} is one of ${PRESETS[profile].join(', ')}`,
      'jwt-key create',
    );
  const tenant = await tenantOf(tenants, code);
  const current = tenant.platformJwt.profiles[profile];
  const wanted = preset ?? current?.preset ?? PRESETS[profile][0]!;
  if (current?.preset === wanted) return;
  const raw = structuredClone(tenant) as unknown as { platformJwt: { profiles: Record<string, unknown> } };
  raw.platformJwt.profiles[profile] = { ...(current && { ...current, claims: undefined }), preset: wanted };
  await tenants.save(raw, 'put');
  io.note(`profile ${profile}: preset ${wanted}${current ? ` (was ${current.preset})` : ''}`);
}

export async function runJwt(
  command: string,
  args: string[],
  values: Values,
  runtime: Runtime,
  tenants: TenantService,
  io: JwtIo,
): Promise<number> {
  const keys = new JwtKeyService(runtime.store, runtime.keys, Date.now, { logger: runtime.logger });
  const [code = ''] = args;
  if (command === 'jwt-key create') {
    const profile = profileOption(command, values, true);
    await ensureProfile(tenants, code, profile, values.preset, io);
    const key = await keys.create(code, profile);
    await recordAudit(
      runtime.store,
      code,
      operatorEvent('jwt_key_created', key.kid, { profile }),
      Date.now(),
    );
    if (values.json) io.out(JSON.stringify(key));
    else {
      io.note(`created key ${key.kid} for tenant ${code}, profile ${profile}; the secret is shown only now:`);
      io.out(`kid     ${key.kid}\nalg     ${key.alg}\nsecret  ${key.secret}`);
    }
    return 0;
  }
  if (command === 'jwt-key import') {
    const profile = profileOption(command, values, true);
    if (values['secret-file'] === undefined)
      throw new UsageError('jwt-key import: missing --secret-file', command);
    await tenantOf(tenants, code);
    let secret: string;
    try {
      secret = (await readFile(values['secret-file'], 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new CliFailure(`cannot read ${values['secret-file']}: ${(error as NodeJS.ErrnoException).code}`);
    }
    const key = await keys.import(code, profile, secret, {
      kid: values.kid,
      allowWeak: values['allow-weak-secret'] ?? false,
    });
    await ensureProfile(tenants, code, profile, undefined, io);
    await recordAudit(
      runtime.store,
      code,
      operatorEvent('jwt_key_imported', key.kid, { profile, weak: key.weak }),
      Date.now(),
    );
    if (key.weak)
      runtime.logger.warn(
        { tenant: code, kid: key.kid },
        'weak platform-JWT secret imported (--allow-weak-secret)',
      );
    if (values.json) io.out(JSON.stringify(key));
    else
      io.note(`imported key ${key.kid} for tenant ${code}, profile ${profile}${key.weak ? ' (weak)' : ''}`);
    return 0;
  }
  if (command === 'jwt-key list') {
    await tenantOf(tenants, code);
    const list = await keys.list(code);
    if (values.json) io.out(JSON.stringify(list));
    else
      for (const key of list)
        io.out(
          [
            key.kid,
            key.profile,
            key.alg,
            new Date(key.createdAt).toISOString(),
            key.revokedAt === null ? 'active' : `revoked ${new Date(key.revokedAt).toISOString()}`,
            key.weak ? 'weak' : '',
          ]
            .join('\t')
            .trimEnd(),
        );
    return 0;
  }
  if (command === 'jwt-key revoke') {
    await tenantOf(tenants, code);
    if (!(await keys.revoke(code, args[1]!)))
      throw new CliFailure(`tenant ${code} has no active key "${args[1]}"`);
    await recordAudit(runtime.store, code, operatorEvent('jwt_key_revoked', args[1]!), Date.now());
    io.note(`revoked key ${args[1]} of tenant ${code}`);
    return 0;
  }
  // jwt check
  const profile = profileOption(command, values, false);
  const tenant = await tenantOf(tenants, code);
  const token = (args[1] === '-' ? await io.stdin() : args[1]!).trim();
  const keyring = new KeyRing(runtime.store, runtime.keys);
  const identities = new IdentityService(runtime.store);
  const platform = new PlatformJwtService({
    store: runtime.store,
    keys,
    identities,
    sessions: new SessionService({ store: runtime.store, keys: runtime.keys, keyring, issuer: 'cli' }),
  });
  const steps: CheckStep[] = [];
  const report = (step: CheckStep) => {
    steps.push(step);
    if (!values.json) io.out(`${step.passed ? 'PASS' : 'FAIL'}  ${step.check}: ${step.detail}`);
  };
  let user: Record<string, unknown> | null = null;
  try {
    const verified = await platform.verify(tenant, token, profile, Date.now(), report);
    const decision = await platform.preview(tenant, verified, Date.now());
    report({ check: 'user', passed: true, detail: `${decision.action} ${decision.user.id}` });
    const { id, email, name, roles } = decision.user;
    user = { action: decision.action, id, email, name, roles };
    if (verified.jti !== null)
      report({ check: 'jti', passed: true, detail: 'present; this check did not use it up' });
  } catch (error) {
    if (!(error instanceof DeskgateError)) throw error;
    if (!steps.some((step) => !step.passed))
      report({ check: error.code, passed: false, detail: error.message });
  }
  const ok = steps.every((step) => step.passed);
  if (values.json) io.out(JSON.stringify({ ok, steps, user }));
  else if (user) io.out(`would sign in: ${JSON.stringify(user)}`);
  return ok ? 0 : 1;
}
