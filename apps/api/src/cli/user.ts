// `user list|show|disable|enable`: a tenant's users, and turning one off (docs/operations.md). A disabled user
// signs in by no method; their sessions end at the next refresh or session read (the store cannot list a
// user's sessions, so they are not revoked here), at the latest when the access token expires.
import { DeskgateError, type UserRecord } from '@deskgate/core';
import type { Runtime } from '../runtime.ts';
import { operatorEvent, recordAudit } from '../services/audit.ts';
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
    io.out(JSON.stringify(view(user), null, 2));
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
