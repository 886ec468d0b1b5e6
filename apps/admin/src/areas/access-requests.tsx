// Access requests: the pending ones, each approved or rejected once (POST /access-requests/:id).
import { Alert, formatDate, Status, useAction, useConsole, useLoad } from '../ui.tsx';

interface AccessRequest {
  id: string;
  email: string;
  status: string;
  createdAt: string;
  expiresAt: string;
}

export function AccessRequests() {
  const { api, t, locale, can } = useConsole();
  const list = useLoad(() => api<{ requests: AccessRequest[] }>('GET', '/access-requests?status=pending'));
  const action = useAction();
  const decide = (request: AccessRequest, decision: 'approve' | 'reject') =>
    action.run(async () => {
      await api('POST', `/access-requests/${encodeURIComponent(request.id)}`, { decision });
      await list.reload();
      return decision === 'approve' ? t.requests.approved(request.email) : t.requests.rejected(request.email);
    });
  const requests = list.data?.requests ?? [];
  return (
    <>
      <Alert message={list.error ?? action.error} />
      <Status message={action.status} />
      {list.data && !requests.length && <p>{t.requests.empty}</p>}
      {requests.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.requests.requested}</th>
              <th scope="col">{t.requests.expires}</th>
              {can('access_requests:decide') && <th scope="col">{t.actions}</th>}
            </tr>
          </thead>
          <tbody>
            {requests.map((r) => (
              <tr key={r.id}>
                <td>{r.email}</td>
                <td>{formatDate(locale, r.createdAt)}</td>
                <td>{formatDate(locale, r.expiresAt)}</td>
                {can('access_requests:decide') && (
                  <td class="actions">
                    <button
                      type="button"
                      disabled={action.busy}
                      aria-label={t.requests.approveOne(r.email)}
                      onClick={() => decide(r, 'approve')}
                    >
                      {t.requests.approve}
                    </button>
                    <button
                      type="button"
                      class="secondary"
                      disabled={action.busy}
                      aria-label={t.requests.rejectOne(r.email)}
                      onClick={() => decide(r, 'reject')}
                    >
                      {t.requests.reject}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
