// The console's one way to call its JSON API: same-origin, JSON writes, `{ error: { code, message } }` thrown.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Calls `/t/{tenant}/admin/api{path}`; a body makes it a JSON write (the API refuses any other). */
export function apiClient(tenant: string) {
  const base = `/t/${encodeURIComponent(tenant)}/admin/api`;
  return async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const write = method !== 'GET';
    const response = await fetch(`${base}${path}`, {
      method,
      credentials: 'same-origin',
      ...(write && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `${response.status} ${response.statusText}`.trim(),
      );
    }
    return json as T;
  };
}

export type Api = ReturnType<typeof apiClient>;

/** Query string of the defined, non-empty values. */
export function queryString(values: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value) query.set(name, value);
  return query.size ? `?${query}` : '';
}
