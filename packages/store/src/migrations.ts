// The versioned schema, written once for both dialects; only column types differ between them.

export interface ColumnTypes {
  /** Epoch milliseconds: BIGINT in PostgreSQL, INTEGER (64-bit) in SQLite. */
  time: string;
  /** BOOLEAN in PostgreSQL, INTEGER 0/1 in SQLite. */
  bool: string;
  /** For the rare change the dialects cannot write alike (dropping a constraint). */
  dialect: 'sqlite' | 'postgres';
}

export interface Migration {
  version: number;
  name: string;
  up(types: ColumnTypes): string;
}

// Append only: an applied migration is never edited, a change is a new version.
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    up: ({ time, bool }) => `
      CREATE TABLE tenants (
        code TEXT PRIMARY KEY,
        config TEXT NOT NULL,
        created_at ${time} NOT NULL,
        updated_at ${time} NOT NULL
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        email TEXT,
        name TEXT,
        roles TEXT NOT NULL,
        confirmed ${bool} NOT NULL,
        created_at ${time} NOT NULL,
        updated_at ${time} NOT NULL
      );
      CREATE TABLE identities (
        tenant TEXT NOT NULL,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id),
        created_at ${time} NOT NULL,
        PRIMARY KEY (tenant, issuer, subject)
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id),
        method TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        revoked_at ${time},
        revoke_reason TEXT
      );
      CREATE TABLE refresh_tokens (
        digest TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        used_at ${time}
      );
      CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        generation INTEGER NOT NULL UNIQUE,
        alg TEXT NOT NULL,
        public_jwk TEXT NOT NULL,
        private_jwk_encrypted TEXT NOT NULL,
        created_at ${time} NOT NULL,
        activates_at ${time} NOT NULL
      );
      CREATE TABLE attempts (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        challenge TEXT NOT NULL,
        origin TEXT NOT NULL,
        confirmation_code TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        binding_digest TEXT,
        user_id TEXT,
        method TEXT,
        completed_at ${time},
        confirmed_at ${time},
        redeemed_at ${time}
      );
      CREATE TABLE sso_transactions (
        state_digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        attempt_id TEXT NOT NULL,
        provider_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        binding_digest TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'confirm failures and rate limits',
    up: ({ time }) => `
      ALTER TABLE attempts ADD COLUMN confirm_failures INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE rate_limits (
        key TEXT PRIMARY KEY,
        window_start ${time} NOT NULL,
        count INTEGER NOT NULL,
        expires_at ${time} NOT NULL
      );
      CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);
    `,
  },
  {
    version: 3,
    name: 'attempt locale',
    up: () => 'ALTER TABLE attempts ADD COLUMN locale TEXT;',
  },
  {
    version: 4,
    name: 'platform jwt keys, token ids and email lookup',
    up: ({ time, bool }) => `
      CREATE TABLE jwt_keys (
        tenant TEXT NOT NULL,
        kid TEXT NOT NULL,
        profile TEXT NOT NULL,
        alg TEXT NOT NULL,
        secret_encrypted TEXT NOT NULL,
        weak ${bool} NOT NULL,
        created_at ${time} NOT NULL,
        revoked_at ${time},
        PRIMARY KEY (tenant, kid)
      );
      CREATE TABLE token_ids (
        tenant TEXT NOT NULL,
        token_id TEXT NOT NULL,
        expires_at ${time} NOT NULL,
        PRIMARY KEY (tenant, token_id)
      );
      CREATE INDEX token_ids_expires_at ON token_ids (expires_at);
      CREATE INDEX users_tenant_lower_email ON users (tenant, lower(email));
    `,
  },
  {
    version: 5,
    name: 'tenant api keys',
    up: ({ time }) => `
      CREATE TABLE api_keys (
        kid TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        digest TEXT NOT NULL,
        allowed_origins TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time},
        revoked_at ${time}
      );
      CREATE INDEX api_keys_tenant ON api_keys (tenant);
    `,
  },
  {
    version: 6,
    name: 'exchange tokens',
    up: ({ time }) => `
      CREATE TABLE exchange_tokens (
        digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        session_id TEXT NOT NULL,
        target TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL
      );
      CREATE INDEX exchange_tokens_expires_at ON exchange_tokens (expires_at);
    `,
  },
  {
    version: 7,
    name: 'exchange sessions keep their source method',
    up: () => `
      ALTER TABLE sessions ADD COLUMN via TEXT;
    `,
  },
  {
    version: 8,
    name: 'mail outbox',
    up: ({ time, bool }) => `
      CREATE TABLE mail_outbox (
        id TEXT PRIMARY KEY,
        tenant TEXT,
        "to" TEXT NOT NULL,
        template TEXT NOT NULL,
        subject TEXT NOT NULL,
        body_encrypted TEXT,
        created_at ${time} NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at ${time} NOT NULL,
        lease_until ${time},
        sent_at ${time},
        last_error TEXT,
        failed ${bool} NOT NULL
      );
      CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
    `,
  },
  {
    version: 9,
    name: 'magic links',
    up: ({ time }) => `
      CREATE TABLE magic_links (
        digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        email TEXT NOT NULL,
        attempt_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL
      );
      CREATE INDEX magic_links_attempt ON magic_links (tenant, attempt_id, email);
      CREATE INDEX magic_links_expires_at ON magic_links (expires_at);
    `,
  },
  {
    version: 10,
    // An SSO sign-in now completes either an attempt (the popup) or a first-party sign-in on the API site,
    // which goes on to a return path. The table only holds sign-ins of the last ten minutes, so it is made
    // anew: one in flight during the upgrade starts again.
    name: 'first-party sso transactions',
    up: ({ time }) => `
      DROP TABLE sso_transactions;
      CREATE TABLE sso_transactions (
        state_digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        attempt_id TEXT,
        return_to TEXT,
        provider_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        binding_digest TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL
      );
      CREATE INDEX sso_transactions_expires_at ON sso_transactions (expires_at);
    `,
  },
  {
    version: 11,
    name: 'access requests',
    up: ({ time }) => `
      CREATE TABLE access_requests (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        email TEXT NOT NULL,
        status TEXT NOT NULL,
        confirm_digest TEXT NOT NULL UNIQUE,
        locale TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        confirmed_at ${time},
        decided_at ${time},
        decided_by TEXT
      );
      CREATE INDEX access_requests_tenant_status ON access_requests (tenant, status);
      CREATE INDEX access_requests_tenant_email ON access_requests (tenant, email);
    `,
  },
  {
    version: 12,
    // A magic link now also finishes a first-party sign-in on the API site (no attempt, a return path). Links
    // live minutes, so the table is made anew: one mailed during the upgrade is refused, and the agent asks
    // again.
    name: 'first-party magic links',
    up: ({ time }) => `
      DROP TABLE magic_links;
      CREATE TABLE magic_links (
        digest TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        email TEXT NOT NULL,
        attempt_id TEXT,
        return_to TEXT,
        user_id TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL
      );
      CREATE INDEX magic_links_attempt ON magic_links (tenant, attempt_id, email);
      CREATE INDEX magic_links_expires_at ON magic_links (expires_at);
    `,
  },
  {
    version: 13,
    // The audit log: appended to and listed, never updated; only retention deletes (by age).
    name: 'audit log',
    up: ({ time }) => `
      CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        at ${time} NOT NULL,
        type TEXT NOT NULL,
        actor_kind TEXT NOT NULL,
        actor_id TEXT,
        method TEXT,
        outcome TEXT NOT NULL,
        code TEXT,
        subject TEXT,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_events_tenant_at ON audit_events (tenant, at);
      CREATE INDEX audit_events_at ON audit_events (at);
    `,
  },
  {
    version: 14,
    // An operator can disable a user (`user disable`): null while active.
    name: 'disabled users',
    up: ({ time }) => `
      ALTER TABLE users ADD COLUMN disabled_at ${time};
    `,
  },
  {
    version: 15,
    // Roles waiting for a subject's or an email's first sign-in (the key serves the lookup by identity), and
    // a user's identities by user (the "about me" page).
    name: 'pending grants',
    up: ({ time }) => `
      CREATE TABLE pending_grants (
        tenant TEXT NOT NULL,
        kind TEXT NOT NULL,
        issuer TEXT NOT NULL,
        value TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at ${time} NOT NULL,
        PRIMARY KEY (tenant, kind, issuer, value, role)
      );
      CREATE INDEX identities_tenant_user ON identities (tenant, user_id);
    `,
  },
  {
    version: 16,
    // The identity (issuer, subject) a session signed in with, and an attempt completed with: what a user
    // reads in their session and on the "about me" page to have roles granted by subject (F10).
    name: 'session identity',
    up: () => `
      ALTER TABLE sessions ADD COLUMN identity_issuer TEXT;
      ALTER TABLE sessions ADD COLUMN identity_subject TEXT;
      ALTER TABLE attempts ADD COLUMN identity_issuer TEXT;
      ALTER TABLE attempts ADD COLUMN identity_subject TEXT;
    `,
  },
  {
    version: 17,
    // SCIM provisioning (docs/provisioning.md): API keys get a purpose (an SDK key or a SCIM bearer token);
    // the SCIM side of a user, groups and their members. The *_lower columns are lowered in JS (all of
    // Unicode; SQLite's lower() folds ASCII only). Deprovisioning deletes a user but keeps its sessions,
    // revoked, so a session can tell why it ended: sessions.user_id loses its foreign key to users (SQLite
    // cannot drop one, so there the table is rebuilt, and refresh_tokens with it to keep theirs to sessions).
    name: 'scim provisioning',
    up: ({ time, dialect }) => `
      ALTER TABLE api_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'sdk';
      CREATE TABLE scim_users (
        tenant TEXT NOT NULL,
        user_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        user_name_lower TEXT NOT NULL,
        external_id TEXT,
        attributes TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at ${time} NOT NULL,
        updated_at ${time} NOT NULL,
        PRIMARY KEY (tenant, user_id)
      );
      CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_lower);
      CREATE UNIQUE INDEX scim_users_external_id ON scim_users (tenant, external_id);
      CREATE TABLE scim_groups (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        display_name TEXT NOT NULL,
        display_name_lower TEXT NOT NULL,
        external_id TEXT,
        role TEXT,
        version INTEGER NOT NULL,
        created_at ${time} NOT NULL,
        updated_at ${time} NOT NULL,
        PRIMARY KEY (tenant, id)
      );
      CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_lower);
      CREATE UNIQUE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
      CREATE TABLE scim_group_members (
        tenant TEXT NOT NULL,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        added_at ${time} NOT NULL,
        PRIMARY KEY (tenant, group_id, user_id)
      );
      CREATE INDEX scim_group_members_user ON scim_group_members (tenant, user_id);
      ${
        dialect === 'postgres'
          ? 'ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_user_id_fkey;'
          : `
      CREATE TABLE sessions_v17 (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        user_id TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        revoked_at ${time},
        revoke_reason TEXT,
        via TEXT,
        identity_issuer TEXT,
        identity_subject TEXT
      );
      INSERT INTO sessions_v17 (id, tenant, user_id, method, created_at, expires_at, revoked_at, revoke_reason,
          via, identity_issuer, identity_subject)
        SELECT id, tenant, user_id, method, created_at, expires_at, revoked_at, revoke_reason,
          via, identity_issuer, identity_subject FROM sessions;
      CREATE TABLE refresh_tokens_v17 (
        digest TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions_v17 (id),
        created_at ${time} NOT NULL,
        expires_at ${time} NOT NULL,
        used_at ${time}
      );
      INSERT INTO refresh_tokens_v17 (digest, session_id, created_at, expires_at, used_at)
        SELECT digest, session_id, created_at, expires_at, used_at FROM refresh_tokens;
      DROP TABLE refresh_tokens;
      DROP TABLE sessions;
      ALTER TABLE sessions_v17 RENAME TO sessions;
      ALTER TABLE refresh_tokens_v17 RENAME TO refresh_tokens;
      CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);`
      }
      CREATE INDEX sessions_tenant_user ON sessions (tenant, user_id);
    `,
  },
];
