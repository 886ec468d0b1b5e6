// Audit log: the tenant's events, newest first, filtered by since (a date), actor, type and limit.
import { useState } from 'preact/hooks';
import { queryString } from '../api.ts';
import { Alert, formatDate, useConsole, useLoad } from '../ui.tsx';

interface AuditEvent {
  id: string;
  at: string;
  type: string;
  actor: { kind: string; id: string | null };
  method: string | null;
  outcome: string;
  code: string | null;
  subject: string | null;
  details: Record<string, string | number | boolean>;
}

interface Filters {
  since: string;
  actor: string;
  type: string;
  limit: string;
}

const NO_FILTERS: Filters = { since: '', actor: '', type: '', limit: '100' };

export function Audit() {
  const { api, t, locale } = useConsole();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const list = useLoad(
    () =>
      api<{ events: AuditEvent[] }>(
        'GET',
        `/audit${queryString({
          // The start of that day, where the browser is.
          since: filters.since ? new Date(`${filters.since}T00:00:00`).toISOString() : undefined,
          actor: filters.actor.trim(),
          type: filters.type.trim(),
          limit: filters.limit.trim(),
        })}`,
      ),
    [filters],
  );
  const field = (name: keyof Filters, label: string, type: 'date' | 'text' | 'number') => (
    <div class="field">
      <label for={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        type={type as 'text'}
        {...(type === 'number' && { min: '1', max: '1000' })}
        value={draft[name]}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </div>
  );
  const events = list.data?.events ?? [];
  return (
    <>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
        }}
      >
        {field('since', t.audit.since, 'date')}
        {field('actor', t.audit.actor, 'text')}
        {field('type', t.audit.type, 'text')}
        {field('limit', t.audit.limit, 'number')}
        <button type="submit">{t.audit.apply}</button>
      </form>
      <Alert message={list.error} />
      {list.data && !events.length && <p>{t.audit.empty}</p>}
      {events.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.audit.time}</th>
                <th scope="col">{t.audit.type}</th>
                <th scope="col">{t.audit.actorColumn}</th>
                <th scope="col">{t.audit.method}</th>
                <th scope="col">{t.audit.outcome}</th>
                <th scope="col">{t.audit.subject}</th>
                <th scope="col">{t.audit.details}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-audit-type={e.type}>
                  <td>{formatDate(locale, e.at)}</td>
                  <td class="mono type">{e.type}</td>
                  <td>
                    {e.actor.kind}
                    {e.actor.id && <span class="mono"> {e.actor.id}</span>}
                  </td>
                  <td>{e.method ?? ''}</td>
                  <td>
                    {e.outcome}
                    {e.code && <span class="mono"> {e.code}</span>}
                  </td>
                  <td class="mono">{e.subject ?? ''}</td>
                  <td class="mono">
                    {Object.entries(e.details)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
