// The console: who is signed in (/me), the areas their permissions show, one at a time by the URL's
// fragment (#users), or the "no access" page. The server judges every request again.
import type { FunctionComponent } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Api, ApiError } from './api.ts';
import { AccessRequests } from './areas/access-requests.tsx';
import { Audit } from './areas/audit.tsx';
import { JwtTester } from './areas/jwt-tester.tsx';
import { Keys } from './areas/keys.tsx';
import { Settings } from './areas/settings.tsx';
import { Users } from './areas/users.tsx';
import type { Locale, Messages } from './i18n.ts';
import { Alert, Console, type ConsoleContext, type Me, messageOf } from './ui.tsx';

type AreaId = keyof Messages['areas'];

/** The areas in the nav's order, each shown with the permission that reads it. */
export const AREAS: { id: AreaId; permission: string; Component: FunctionComponent }[] = [
  { id: 'requests', permission: 'access_requests:read', Component: AccessRequests },
  { id: 'users', permission: 'users:read', Component: Users },
  { id: 'keys', permission: 'settings:read', Component: Keys },
  { id: 'settings', permission: 'settings:read', Component: Settings },
  { id: 'jwt', permission: 'settings:read', Component: JwtTester },
  { id: 'audit', permission: 'audit:read', Component: Audit },
];

/** The areas `permissions` show. */
export function visibleAreas(permissions: readonly string[]) {
  return AREAS.filter((area) => permissions.includes(area.permission));
}

const fragment = () => decodeURIComponent(location.hash.replace(/^#\/?/, ''));

export function App(props: { api: Api; t: Messages; locale: Locale; tenant: string; product: string }) {
  const { api, t } = props;
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [hash, setHash] = useState(fragment);
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);

  useEffect(() => {
    api<Me>('GET', '/me').then(setMe, (e: unknown) => {
      // The session ended since the page loaded: the page itself goes through the sign-in again.
      if (e instanceof ApiError && e.status === 401) location.reload();
      else setError(messageOf(e));
    });
    const onHash = () => {
      moved.current = true;
      setHash(fragment());
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [api]);

  const areas = useMemo(() => (me ? visibleAreas(me.permissions) : []), [me]);
  const area = areas.find((a) => a.id === hash) ?? areas[0];
  const tenantName = me?.tenant.displayName ?? props.tenant;

  useEffect(() => {
    document.title = area ? `${t.areas[area.id]} · ${t.title(tenantName)}` : t.title(tenantName);
    // After a click in the nav, the reader lands on the area's heading.
    if (moved.current) heading.current?.focus();
  }, [area, t, tenantName]);

  if (!me)
    return (
      <div class="console">
        <h1>{t.title(props.tenant)}</h1>
        {error ? <Alert message={error} /> : <p>{t.loading}</p>}
      </div>
    );

  const context: ConsoleContext = {
    api,
    t,
    locale: props.locale,
    me,
    can: (permission) => me.permissions.includes(permission),
  };
  const name = me.user.name ?? me.user.email ?? me.user.id;

  return (
    <Console.Provider value={context}>
      <div class="console">
        {me.staff && (
          <p class="staff-banner" data-staff-banner>
            {t.staff(name)}
          </p>
        )}
        <header class="top">
          <p class="product">{props.product}</p>
          <h1>{area ? t.title(tenantName) : t.noAccessTitle}</h1>
          <p class="who">{t.signedInAs(name)}</p>
        </header>
        {!area ? (
          <section class="no-access" data-no-access>
            <p>{t.noAccess(tenantName)}</p>
            <p>{t.noAccessHint}</p>
          </section>
        ) : (
          <div class="layout">
            <nav aria-label={t.nav}>
              <ul>
                {areas.map((a) => (
                  <li key={a.id}>
                    <a href={`#${a.id}`} aria-current={a.id === area.id ? 'page' : undefined}>
                      {t.areas[a.id]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <section class="area" aria-labelledby="area-heading" data-area={area.id}>
              <h2 id="area-heading" tabIndex={-1} ref={heading}>
                {t.areas[area.id]}
              </h2>
              <area.Component key={area.id} />
            </section>
          </div>
        )}
      </div>
    </Console.Provider>
  );
}
