// Keys: API keys and SCIM tokens (create, revoke, rotate = create + revoke), platform-JWT keys (create per
// profile, revoke). A new key or secret is in the create answer only, so it is shown once, here.
import { useState } from 'preact/hooks';
import { Alert, formatDate, SecretOnce, Status, useAction, useConsole, useLoad } from '../ui.tsx';

interface TokenView {
  kid: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  allowedOrigins?: string[];
}

interface JwtKeyView {
  kid: string;
  profile: string;
  createdAt: string;
  revokedAt: string | null;
}

const JWT_PROFILES = ['session', 'one-time'] as const;

export function Keys() {
  const { api, t } = useConsole();
  // The tenant's origins, which a new API key may be limited to (none: any of them).
  const settings = useLoad(() => api<{ allowedOrigins: string[] }>('GET', '/settings'));
  return (
    <>
      <section aria-labelledby="api-keys-heading">
        <h3 id="api-keys-heading">{t.keys.apiKeys}</h3>
        <TokenList kind="api" origins={settings.data?.allowedOrigins ?? []} />
      </section>
      <section aria-labelledby="scim-tokens-heading">
        <h3 id="scim-tokens-heading">{t.keys.scimTokens}</h3>
        <TokenList kind="scim" origins={[]} />
      </section>
      <section aria-labelledby="jwt-keys-heading">
        <h3 id="jwt-keys-heading">{t.keys.jwtKeys}</h3>
        <JwtKeys />
      </section>
    </>
  );
}

function TokenList({ kind, origins }: { kind: 'api' | 'scim'; origins: string[] }) {
  const { api, t, locale, can } = useConsole();
  const path = kind === 'api' ? '/api-keys' : '/scim-tokens';
  const list = useLoad(async () => {
    const body = await api<{ keys?: TokenView[]; tokens?: TokenView[] }>('GET', path);
    return body.keys ?? body.tokens ?? [];
  });
  const action = useAction();
  const [chosen, setChosen] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ kid: string; value: string } | null>(null);
  const writable = can('settings:write');

  const create = async (allowedOrigins: string[]) => {
    const made = await api<TokenView & { key?: string; token?: string }>(
      'POST',
      path,
      kind === 'api' ? { allowedOrigins } : {},
    );
    setSecret({ kid: made.kid, value: made.key ?? made.token ?? '' });
    return made;
  };
  const onCreate = () =>
    action.run(async () => {
      await create(chosen);
      setChosen([]);
      await list.reload();
      return null;
    });
  const onRevoke = (kid: string) =>
    action.run(async () => {
      setSecret(null);
      await api('DELETE', `${path}/${encodeURIComponent(kid)}`, {});
      await list.reload();
      return t.keys.revoked(kid);
    });
  const onRotate = (old: TokenView) =>
    action.run(async () => {
      const made = await create(old.allowedOrigins ?? []);
      await api('DELETE', `${path}/${encodeURIComponent(old.kid)}`, {});
      await list.reload();
      return t.keys.rotated(old.kid, made.kid);
    });

  const keys = list.data ?? [];
  const prefix = `${kind}-key`;
  return (
    <>
      <Alert message={list.error ?? action.error} />
      <Status message={action.status} />
      {secret && (
        <SecretOnce
          label={kind === 'api' ? t.keys.newApiKey(secret.kid) : t.keys.newScimToken(secret.kid)}
          value={secret.value}
          onDone={() => setSecret(null)}
        />
      )}
      {list.data && !keys.length && <p>{t.keys.empty}</p>}
      {keys.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.keys.kid}</th>
                <th scope="col">{t.keys.created}</th>
                <th scope="col">{t.keys.expires}</th>
                {kind === 'api' && <th scope="col">{t.keys.origins}</th>}
                <th scope="col">{t.keys.status}</th>
                {writable && <th scope="col">{t.actions}</th>}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.kid} data-kid={key.kid}>
                  <td class="mono">{key.kid}</td>
                  <td>{formatDate(locale, key.createdAt)}</td>
                  <td>{key.expiresAt ? formatDate(locale, key.expiresAt) : t.keys.never}</td>
                  {kind === 'api' && (
                    <td>{key.allowedOrigins?.length ? key.allowedOrigins.join(', ') : t.keys.anyOrigin}</td>
                  )}
                  <td>
                    {key.revokedAt ? t.keys.revokedAt(formatDate(locale, key.revokedAt)) : t.keys.active}
                  </td>
                  {writable && (
                    <td class="actions">
                      {!key.revokedAt && (
                        <>
                          <button
                            type="button"
                            class="secondary"
                            disabled={action.busy}
                            aria-label={t.keys.rotateOne(key.kid)}
                            onClick={() => onRotate(key)}
                          >
                            {t.keys.rotate}
                          </button>
                          <button
                            type="button"
                            class="danger"
                            disabled={action.busy}
                            aria-label={t.keys.revokeOne(key.kid)}
                            onClick={() => onRevoke(key.kid)}
                          >
                            {t.keys.revoke}
                          </button>
                        </>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <form
          class="create"
          onSubmit={(e) => {
            e.preventDefault();
            void onCreate();
          }}
        >
          {kind === 'api' && origins.length > 0 && (
            <fieldset>
              <legend>{t.keys.originsLegend}</legend>
              {origins.map((origin, i) => (
                <div class="check" key={origin}>
                  <input
                    id={`${prefix}-origin-${i}`}
                    type="checkbox"
                    checked={chosen.includes(origin)}
                    onChange={(e) =>
                      setChosen(
                        e.currentTarget.checked ? [...chosen, origin] : chosen.filter((o) => o !== origin),
                      )
                    }
                  />
                  <label for={`${prefix}-origin-${i}`}>{origin}</label>
                </div>
              ))}
            </fieldset>
          )}
          <button type="submit" disabled={action.busy}>
            {kind === 'api' ? t.keys.createApiKey : t.keys.createScimToken}
          </button>
        </form>
      )}
    </>
  );
}

function JwtKeys() {
  const { api, t, locale, can } = useConsole();
  const list = useLoad(() => api<{ keys: JwtKeyView[] }>('GET', '/jwt-keys'));
  const action = useAction();
  const [profile, setProfile] = useState<string>('session');
  const [secret, setSecret] = useState<{ kid: string; value: string } | null>(null);
  const writable = can('settings:write');
  const onCreate = () =>
    action.run(async () => {
      const made = await api<{ kid: string; secret: string }>('POST', '/jwt-keys', { profile });
      setSecret({ kid: made.kid, value: made.secret });
      await list.reload();
      return null;
    });
  const onRevoke = (kid: string) =>
    action.run(async () => {
      setSecret(null);
      await api('DELETE', `/jwt-keys/${encodeURIComponent(kid)}`, {});
      await list.reload();
      return t.keys.revoked(kid);
    });
  const keys = list.data?.keys ?? [];
  return (
    <>
      <Alert message={list.error ?? action.error} />
      <Status message={action.status} />
      {secret && (
        <SecretOnce
          label={t.keys.newJwtSecret(secret.kid)}
          value={secret.value}
          onDone={() => setSecret(null)}
        />
      )}
      {list.data && !keys.length && <p>{t.keys.empty}</p>}
      {keys.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.keys.kid}</th>
                <th scope="col">{t.keys.profile}</th>
                <th scope="col">{t.keys.created}</th>
                <th scope="col">{t.keys.status}</th>
                {writable && <th scope="col">{t.actions}</th>}
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.kid} data-kid={key.kid}>
                  <td class="mono">{key.kid}</td>
                  <td>{key.profile}</td>
                  <td>{formatDate(locale, key.createdAt)}</td>
                  <td>
                    {key.revokedAt ? t.keys.revokedAt(formatDate(locale, key.revokedAt)) : t.keys.active}
                  </td>
                  {writable && (
                    <td class="actions">
                      {!key.revokedAt && (
                        <button
                          type="button"
                          class="danger"
                          disabled={action.busy}
                          aria-label={t.keys.revokeOne(key.kid)}
                          onClick={() => onRevoke(key.kid)}
                        >
                          {t.keys.revoke}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <form
          class="create toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            void onCreate();
          }}
        >
          <div class="field">
            <label for="jwt-key-profile">{t.keys.profile}</label>
            <select id="jwt-key-profile" value={profile} onChange={(e) => setProfile(e.currentTarget.value)}>
              {JWT_PROFILES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={action.busy}>
            {t.keys.createJwtKey}
          </button>
        </form>
      )}
    </>
  );
}
