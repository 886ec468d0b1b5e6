// Users: search, their roles and sign-in identities; grant and revoke roles (unless the IdP sets them),
// disable and enable.
import { ROLES } from '@deskgate/protocol';
import { useState } from 'preact/hooks';
import { queryString } from '../api.ts';
import { Alert, formatDate, Status, useAction, useConsole, useLoad } from '../ui.tsx';

interface User {
  id: string;
  email: string | null;
  name: string | null;
  roles: string[];
  disabledAt: string | null;
  identities: { issuer: string; subject: string }[];
}

interface UserList {
  total: number;
  rolesManagedBy: string[];
  users: User[];
}

export function Users() {
  const { api, t, locale, can, me } = useConsole();
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const list = useLoad(() => api<UserList>('GET', `/users${queryString({ q })}`), [q]);
  const action = useAction();
  const writable = can('users:write');
  const managedBy = list.data?.rolesManagedBy ?? [];
  const who = (u: User) => u.email ?? u.name ?? u.id;

  const setDisabled = (user: User, disable: boolean) =>
    action.run(async () => {
      await api('POST', `/users/${encodeURIComponent(user.id)}/${disable ? 'disable' : 'enable'}`, {});
      await list.reload();
      return disable ? t.users.disabledOne(who(user)) : t.users.enabledOne(who(user));
    });
  const changeRole = (user: User, action_: 'grant' | 'revoke', role: string) =>
    action.run(async () => {
      await api('POST', `/users/${encodeURIComponent(user.id)}/roles`, { action: action_, role });
      await list.reload();
      return t.users.changed(who(user));
    });

  return (
    <>
      <search>
        <form
          class="field"
          onSubmit={(e) => {
            e.preventDefault();
            setQ(typed.trim());
          }}
        >
          <label for="user-search">{t.users.search}</label>
          <div class="search-row">
            <input
              id="user-search"
              type="search"
              value={typed}
              aria-describedby="user-search-hint"
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
            <button type="submit">{t.users.searchButton}</button>
          </div>
          <span id="user-search-hint" class="hint">
            {t.users.searchHint}
          </span>
        </form>
      </search>
      <Alert message={list.error ?? action.error} />
      <Status message={action.status} />
      {managedBy.length > 0 && <p class="note">{t.users.managedBy(managedBy.join(', '))}</p>}
      {list.data && <p>{t.users.shown(list.data.users.length, list.data.total)}</p>}
      {list.data && list.data.users.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.email}</th>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.users.roles}</th>
                <th scope="col">{t.users.identities}</th>
                <th scope="col">{t.users.disabled}</th>
                {writable && <th scope="col">{t.actions}</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.users.map((user) => (
                <tr key={user.id} data-user={user.email ?? user.id}>
                  <td>{user.email ?? ''}</td>
                  <td>{user.name ?? ''}</td>
                  <td>
                    <ul class="plain">
                      {user.roles.map((role) => (
                        <li key={role}>
                          <span class="mono">{role}</span>
                          {writable && !managedBy.length && (
                            <button
                              type="button"
                              class="link"
                              disabled={action.busy}
                              aria-label={t.users.revokeOne(role, who(user))}
                              onClick={() => changeRole(user, 'revoke', role)}
                            >
                              {t.remove}
                            </button>
                          )}
                        </li>
                      ))}
                    </ul>
                    {writable && !managedBy.length && (
                      <GrantRole user={user} label={t.users.grantLabel(who(user))} onGrant={changeRole} />
                    )}
                  </td>
                  <td>
                    <ul class="plain">
                      {user.identities.map((id) => (
                        <li key={`${id.issuer} ${id.subject}`} class="mono">
                          {id.issuer}: {id.subject}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{user.disabledAt ? formatDate(locale, user.disabledAt) : t.no}</td>
                  {writable && (
                    <td class="actions">
                      {/* Nobody disables themselves (the API refuses it too). */}
                      {user.id !== me.user.id && (
                        <button
                          type="button"
                          class={user.disabledAt ? undefined : 'danger'}
                          disabled={action.busy}
                          aria-label={
                            user.disabledAt ? t.users.enableOne(who(user)) : t.users.disableOne(who(user))
                          }
                          onClick={() => setDisabled(user, !user.disabledAt)}
                        >
                          {user.disabledAt ? t.users.enable : t.users.disable}
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
    </>
  );
}

function GrantRole({
  user,
  label,
  onGrant,
}: {
  user: User;
  label: string;
  onGrant: (user: User, action: 'grant', role: string) => void;
}) {
  const { t } = useConsole();
  const missing = ROLES.filter((role) => !user.roles.includes(role));
  const [role, setRole] = useState<string>(missing[0] ?? '');
  if (!missing.length) return null;
  const id = `grant-${user.id}`;
  return (
    <div class="inline">
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <select id={id} value={role} onChange={(e) => setRole(e.currentTarget.value)}>
        {missing.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="button" class="secondary" onClick={() => onGrant(user, 'grant', role || missing[0]!)}>
        {t.users.grant}
      </button>
    </div>
  );
}
