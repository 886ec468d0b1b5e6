// Settings: display name and allowed origins, session lifetimes, trial mode, and each SSO provider (its client
// secret write-only: empty keeps it). Each section saves only its own part (PUT /settings, /settings/oidc/:id).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, Status, useAction, useConsole, useLoad } from '../ui.tsx';

interface Provider {
  id: string;
  displayName: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  roleClaim: string;
  roleIam: boolean;
  requireRoles: boolean;
}

interface TenantSettings {
  displayName: string;
  allowedOrigins: string[];
  sessions: { accessTtlSeconds: number; sessionTtlSeconds: number };
  trial: { enabled: boolean; seats: number; invitedEmails: string[] };
  oidc: Provider[];
}

export function Settings() {
  const { api, t } = useConsole();
  const settings = useLoad(() => api<TenantSettings>('GET', '/settings'));
  const data = settings.data;
  return (
    <>
      <Alert message={settings.error} />
      {data && (
        <div>
          <TenantSection data={data} onSaved={settings.reload} />
          <SessionsSection data={data} onSaved={settings.reload} />
          <TrialSection data={data} onSaved={settings.reload} />
          <section aria-labelledby="sso-heading">
            <h3 id="sso-heading">{t.settings.sso}</h3>
            {!data.oidc.length && <p>{t.settings.noProviders}</p>}
            {data.oidc.map((provider) => (
              <ProviderForm key={provider.id} provider={provider} onSaved={settings.reload} />
            ))}
          </section>
        </div>
      )}
    </>
  );
}

/** A section that saves with its own button, showing the API's answer beside it. */
function SectionForm(props: {
  id: string;
  title: string;
  heading?: 'h3' | 'h4';
  save: () => Promise<unknown>;
  onSaved: () => void;
  saveLabel?: string;
  children: ComponentChildren;
}) {
  const { t } = useConsole();
  const action = useAction();
  const Heading = props.heading ?? 'h3';
  return (
    <section aria-labelledby={`${props.id}-heading`}>
      <Heading id={`${props.id}-heading`}>{props.title}</Heading>
      <form
        class="settings-form"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await props.save();
            // The forms keep what was typed (now saved); the rest of the page reads the new settings.
            props.onSaved();
            return t.saved;
          });
        }}
      >
        {props.children}
        <Alert message={action.error} />
        <Status message={action.status} />
        <button type="submit" disabled={action.busy}>
          {props.saveLabel ?? t.save}
        </button>
      </form>
    </section>
  );
}

function TenantSection({ data, onSaved }: { data: TenantSettings; onSaved: () => void }) {
  const { api, t } = useConsole();
  const [displayName, setDisplayName] = useState(data.displayName);
  const [origins, setOrigins] = useState(data.allowedOrigins);
  const [newOrigin, setNewOrigin] = useState('');
  const add = () => {
    const origin = newOrigin.trim().replace(/\/$/, '');
    if (origin && !origins.includes(origin)) setOrigins([...origins, origin]);
    setNewOrigin('');
  };
  return (
    <SectionForm
      id="tenant"
      title={t.settings.tenant}
      onSaved={onSaved}
      save={() => api('PUT', '/settings', { displayName, allowedOrigins: origins })}
    >
      <div class="field">
        <label for="display-name">{t.settings.displayName}</label>
        <input
          id="display-name"
          type="text"
          required
          value={displayName}
          onInput={(e) => setDisplayName(e.currentTarget.value)}
        />
      </div>
      <fieldset>
        <legend>{t.settings.origins}</legend>
        <p class="hint" id="origins-hint">
          {t.settings.originsHint}
        </p>
        <ul class="plain">
          {origins.map((origin) => (
            <li key={origin}>
              <span class="mono">{origin}</span>{' '}
              <button
                type="button"
                class="link"
                aria-label={t.settings.removeOne(origin)}
                onClick={() => setOrigins(origins.filter((o) => o !== origin))}
              >
                {t.remove}
              </button>
            </li>
          ))}
        </ul>
        <div class="inline">
          <label for="new-origin">{t.settings.newOrigin}</label>
          <input
            id="new-origin"
            type="url"
            placeholder="https://cx.example.com"
            aria-describedby="origins-hint"
            value={newOrigin}
            onInput={(e) => setNewOrigin(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              }
            }}
          />
          <button type="button" class="secondary" onClick={add}>
            {t.settings.add}
          </button>
        </div>
      </fieldset>
    </SectionForm>
  );
}

function SessionsSection({ data, onSaved }: { data: TenantSettings; onSaved: () => void }) {
  const { api, t } = useConsole();
  const [access, setAccess] = useState(String(data.sessions.accessTtlSeconds));
  const [session, setSession] = useState(String(data.sessions.sessionTtlSeconds));
  return (
    <SectionForm
      id="sessions"
      title={t.settings.sessions}
      onSaved={onSaved}
      save={() =>
        api('PUT', '/settings', {
          sessions: { accessTtlSeconds: Number(access), sessionTtlSeconds: Number(session) },
        })
      }
    >
      <div class="field">
        <label for="access-ttl">{t.settings.accessTtl}</label>
        <input
          id="access-ttl"
          type="number"
          min="1"
          required
          value={access}
          onInput={(e) => setAccess(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="session-ttl">{t.settings.sessionTtl}</label>
        <input
          id="session-ttl"
          type="number"
          min="1"
          required
          value={session}
          onInput={(e) => setSession(e.currentTarget.value)}
        />
      </div>
    </SectionForm>
  );
}

function TrialSection({ data, onSaved }: { data: TenantSettings; onSaved: () => void }) {
  const { api, t } = useConsole();
  const [enabled, setEnabled] = useState(data.trial.enabled);
  const [seats, setSeats] = useState(String(data.trial.seats));
  const [invited, setInvited] = useState(data.trial.invitedEmails.join('\n'));
  return (
    <SectionForm
      id="trial"
      title={t.settings.trial}
      onSaved={onSaved}
      save={() =>
        api('PUT', '/settings', {
          trial: {
            enabled,
            seats: Number(seats),
            invitedEmails: invited
              .split(/[\s,]+/)
              .map((e) => e.trim())
              .filter(Boolean),
          },
        })
      }
    >
      <div class="check">
        <input
          id="trial-enabled"
          type="checkbox"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <label for="trial-enabled">{t.settings.trialEnabled}</label>
      </div>
      <div class="field">
        <label for="trial-seats">{t.settings.seats}</label>
        <input
          id="trial-seats"
          type="number"
          min="0"
          required
          value={seats}
          onInput={(e) => setSeats(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="trial-invited">{t.settings.invited}</label>
        <textarea
          id="trial-invited"
          rows={4}
          value={invited}
          onInput={(e) => setInvited(e.currentTarget.value)}
        />
      </div>
    </SectionForm>
  );
}

function ProviderForm({ provider, onSaved }: { provider: Provider; onSaved: () => void }) {
  const { api, t } = useConsole();
  const [draft, setDraft] = useState({ ...provider, scopes: provider.scopes.join(' '), clientSecret: '' });
  const id = (field: string) => `oidc-${provider.id}-${field}`;
  const text = (field: 'displayName' | 'issuer' | 'clientId' | 'scopes' | 'roleClaim', label: string) => (
    <div class="field">
      <label for={id(field)}>{label}</label>
      <input
        id={id(field)}
        type="text"
        inputMode={field === 'issuer' ? 'url' : undefined}
        value={draft[field]}
        onInput={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })}
      />
    </div>
  );
  const check = (field: 'roleIam' | 'requireRoles', label: string) => (
    <div class="check">
      <input
        id={id(field)}
        type="checkbox"
        checked={draft[field]}
        onChange={(e) => setDraft({ ...draft, [field]: e.currentTarget.checked })}
      />
      <label for={id(field)}>{label}</label>
    </div>
  );
  return (
    <SectionForm
      id={id('form')}
      heading="h4"
      title={`${provider.displayName} (${provider.id})`}
      saveLabel={t.settings.saveProvider(provider.displayName)}
      onSaved={onSaved}
      save={() => {
        const { clientSecret, scopes, id: _, ...rest } = draft;
        return api('PUT', `/settings/oidc/${encodeURIComponent(provider.id)}`, {
          ...rest,
          scopes: scopes.split(/\s+/).filter(Boolean),
          // Write-only: sent only when typed; empty keeps the stored one.
          ...(clientSecret && { clientSecret }),
        });
      }}
    >
      {text('displayName', t.settings.displayName)}
      {text('issuer', t.settings.issuer)}
      {text('clientId', t.settings.clientId)}
      <div class="field">
        <label for={id('clientSecret')}>{t.settings.clientSecret}</label>
        <input
          id={id('clientSecret')}
          type="password"
          autoComplete="new-password"
          aria-describedby={id('clientSecret-hint')}
          value={draft.clientSecret}
          onInput={(e) => setDraft({ ...draft, clientSecret: e.currentTarget.value })}
        />
        <span id={id('clientSecret-hint')} class="hint">
          {t.settings.clientSecretHint}
        </span>
      </div>
      {text('scopes', t.settings.scopes)}
      {text('roleClaim', t.settings.roleClaim)}
      {check('roleIam', t.settings.roleIam)}
      {check('requireRoles', t.settings.requireRoles)}
    </SectionForm>
  );
}
