// `user list|show|disable|enable`: a tenant's users, and turning one off (docs/operations.md). A disabled user
// signs in by no method; their sessions end at the next refresh or session read (the store cannot list a
// user's sessions, so they are not revoked here), at the latest when the access token expires.
import { DeskgateError, type TenantConfig, type UserRecord } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import { operatorEvent, recordAudit } from '../services/audit.ts';
import { GrantService, type GrantTarget } from '../services/grants.ts';
import type { TenantService } from '../services/tenants.ts';
import { CliFailure, type Values } from './commands.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A user as the CLI prints it: times as ISO 8601. */
function view(user: UserRecord) {
  return {
    id: user.id,
    tenant: user.tenant,
    email: user.email,
    name: user.name,
    roles: user.roles,
    confirmed: user.confirmed,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
    disabledAt: iso(user.disabledAt),
  };
}

/** The user named by id, else by email (ignoring case); a CliFailure when none or several match. */
async function findUser(runtime: Runtime, tenant: string, ref: string): Promise<UserRecord> {
  const byId = await runtime.store.getUser(tenant, ref);
  if (byId) return byId;
  const byEmail = ref.includes('@') ? await runtime.store.findUsersByEmail(tenant, ref) : [];
  if (byEmail.length > 1)
    throw new CliFailure(
      `tenant ${tenant} has ${byEmail.length} users with the email "${ref}"; give a user id: ${byEmail.map((u) => u.id).join(', ')}`,
    );
  if (!byEmail[0]) throw new CliFailure(`tenant ${tenant} has no user "${ref}" (a user id or an email)`);
  return byEmail[0];
}

export async function runUser(
  command: string,
  args: string[],
  values: Values,
  runtime: Runtime,
  tenants: TenantService,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const [code = '', ref = ''] = args;
  const tenant = await tenants.get(code);
  if (!tenant) throw new DeskgateError('tenant_not_found', `No tenant "${code}"`);
  if (command === 'user grant' || command === 'user revoke' || command === 'user grants')
    return runGrant(command, tenant, values, runtime, io);
  if (command === 'user list') {
    const users = await runtime.store.listUsers(code);
    if (values.json) io.out(JSON.stringify(users.map(view)));
    else
      for (const user of users)
        io.out(
          [
            user.id,
            user.email ?? '-',
            user.name ?? '-',
            user.roles.join(',') || '-',
            user.disabledAt === null ? 'active' : `disabled ${iso(user.disabledAt)}`,
            iso(user.createdAt),
          ].join('\t'),
        );
    return 0;
  }
  const user = await findUser(runtime, code, ref);
  if (command === 'user show') {
    const identities = (await runtime.store.listIdentities(code, user.id)).map((identity) => ({
      issuer: identity.issuer,
      subject: identity.subject,
      createdAt: iso(identity.createdAt),
    }));
    io.out(JSON.stringify({ ...view(user), identities }, null, 2));
    return 0;
  }
  const now = Date.now();
  const disable = command === 'user disable';
  const label = user.email ? `${user.id} (${user.email})` : user.id;
  // Only the call that changed the state is audited; asking again is not an error (scripts may repeat it).
  if (!(await runtime.store.setUserDisabled(code, user.id, disable ? now : null))) {
    io.note(`user ${label} of tenant ${code} is already ${disable ? 'disabled' : 'enabled'}`);
    return 0;
  }
  await recordAudit(
    runtime.store,
    code,
    operatorEvent(disable ? 'user_disabled' : 'user_enabled', user.id),
    now,
  );
  io.note(
    disable
      ? `disabled user ${label} of tenant ${code}: no sign-in by any method; their sessions end at the next refresh`
      : `enabled user ${label} of tenant ${code}: they can sign in again`,
  );
  return 0;
}

/** Whom --id, --email or --sub names; exactly one of them. */
function grantTarget(tenant: TenantConfig, values: Values): GrantTarget {
  const given = (['id', 'email', 'sub'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length !== 1) throw new CliFailure('name the user with exactly one of --id, --email or --sub');
  if (values.id !== undefined) return { kind: 'user', id: values.id };
  if (values.email !== undefined) return { kind: 'email', email: values.email };
  const subject = values.sub!;
  if (values.issuer !== undefined) return { kind: 'subject', issuer: values.issuer, subject };
  const providers = values['provider-id']
    ? tenant.oidc.filter((p) => p.id === values['provider-id'])
    : tenant.oidc;
  if (providers.length !== 1)
    throw new CliFailure(
      values['provider-id']
        ? `tenant ${tenant.code} has no OIDC provider "${values['provider-id']}"`
        : `say whose subject it is with --provider-id (${tenant.oidc.map((p) => p.id).join(', ') || 'the tenant has no OIDC provider'}) or --issuer`,
    );
  return { kind: 'subject', issuer: providers[0]!.issuer, subject };
}

async function runGrant(
  command: string,
  tenant: TenantConfig,
  values: Values,
  runtime: Runtime,
  io: { out(text: string): void; note(text: string): void },
): Promise<number> {
  const grants = new GrantService(runtime.store);
  if (command === 'user grants') {
    const waiting = await grants.list(tenant);
    if (values.json)
      io.out(
        JSON.stringify(
          waiting.map(({ kind, issuer, value, role, createdAt }) => ({
            kind,
            issuer: issuer || null,
            value,
            role,
            createdAt: iso(createdAt),
          })),
        ),
      );
    else
      for (const g of waiting)
        io.out([g.kind, g.issuer || '-', g.value, g.role, iso(g.createdAt)].join('\t'));
    return 0;
  }
  if (!values.role) throw new CliFailure('say which role with --role');
  const target = grantTarget(tenant, values);
  const revoke = command === 'user revoke';
  let outcome: Awaited<ReturnType<GrantService['change']>>;
  try {
    outcome = await grants.change(
      tenant,
      target,
      values.role,
      revoke,
      { kind: 'operator', id: null },
      Date.now(),
    );
  } catch (error) {
    // An unknown user id is the operator's mistake, said in one line (exit 1), like user show's.
    if (error instanceof DeskgateError && error.code === 'not_found') throw new CliFailure(error.message);
    throw error;
  }
  const verb = revoke ? 'revoked' : 'granted';
  if (outcome.applied === 'user') {
    const label = outcome.user.email ? `${outcome.user.id} (${outcome.user.email})` : outcome.user.id;
    io.note(
      outcome.changed
        ? `${verb} ${values.role} ${revoke ? 'from' : 'to'} user ${label} of tenant ${tenant.code}: roles now ${outcome.user.roles.join(', ')}`
        : `user ${label} of tenant ${tenant.code} ${revoke ? 'does not hold' : 'already holds'} ${values.role}; nothing changed`,
    );
    if (outcome.changed) iamNote(tenant, io, 'a sign-in there sets the roles from the IdP again');
    return 0;
  }
  io.note(
    outcome.changed
      ? revoke
        ? `deleted the waiting grant of ${values.role} in tenant ${tenant.code}`
        : `nobody has signed in as that ${target.kind === 'email' ? 'email' : 'subject'} in tenant ${tenant.code} yet: ${values.role} waits for their first sign-in (user grants lists it)`
      : revoke
        ? `no such grant waits in tenant ${tenant.code}; nothing changed`
        : `that grant already waits in tenant ${tenant.code}; nothing changed`,
  );
  if (outcome.changed && !revoke)
    iamNote(tenant, io, 'a first sign-in there takes its roles from the IdP and leaves this grant waiting');
  return 0;
}

/** Grants lose to the IdP where role-based IAM is on (docs/roles.md): say so when it is. */
function iamNote(tenant: TenantConfig, io: { note(text: string): void }, what: string): void {
  const iam = tenant.oidc.filter((p) => p.roleIam).map((p) => p.id);
  if (iam.length) io.note(`note: role-based IAM is on for ${iam.join(', ')}: ${what}`);
}
