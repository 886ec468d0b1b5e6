// The permission matrix (F9): every protected route of the app's route table (each declares its permission on
// the one middleware, http/permission.ts) x every role, and an API-key session of a manager (agent only, D10):
// allowed where core's declaration says so, else 403 permission_denied. A new protected route joins by itself.
import assert from 'node:assert/strict';
import { can, type PermissionArea } from '@deskgate/core';
import { ROLES } from '@deskgate/protocol';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PERMISSION, type PermissionMiddleware } from './http/permission.ts';
import { CX_ORIGIN, createHarness, type Harness, PUBLIC_URL, sessionAs, socket } from './test/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

interface Protected {
  method: string;
  path: string;
  area: PermissionArea;
  action: string;
}

function protectedRoutes(): Protected[] {
  const found = new Map<string, Protected>();
  for (const route of h.app.routes) {
    if (!(PERMISSION in route.handler)) continue;
    const { area, action } = (route.handler as PermissionMiddleware)[PERMISSION];
    found.set(`${route.method} ${route.path}`, { method: route.method, path: route.path, area, action });
  }
  return [...found.values()];
}

/**
 * A request that passes the route's origin checks: the SDK's for /auth/ writes, the console's same-origin JSON
 * for /admin/api/ writes, our own page's form for the rest.
 */
function requestFor(route: Protected, cookie: string) {
  const url =
    PUBLIC_URL +
    route.path.replace(':tenant', 'acme').replace(':id', 'A'.repeat(22)).replace(':kid', 'a'.repeat(12));
  const headers: Record<string, string> = { accept: 'application/json', cookie };
  let body: string | undefined;
  if (route.method !== 'GET') {
    if (route.path.includes('/admin/api/')) {
      Object.assign(headers, { origin: PUBLIC_URL, 'content-type': 'application/json' });
      body = '{}';
    } else if (route.path.includes('/auth/')) {
      Object.assign(headers, {
        origin: CX_ORIGIN,
        'x-deskgate-sdk': '1',
        'content-type': 'application/json',
      });
      body = JSON.stringify({ redirect: '/t/acme/collection' });
    } else {
      Object.assign(headers, {
        origin: PUBLIC_URL,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/x-www-form-urlencoded',
      });
      body = 'decision=approve';
    }
  }
  return h.app.request(url, { method: route.method, headers, body }, socket());
}

describe('the permission matrix', () => {
  it('finds the protected routes in the route table', () => {
    const routes = protectedRoutes().map((r) => `${r.method} ${r.path} ${r.area}:${r.action}`);
    for (const expected of [
      'GET /t/:tenant/collection collection:read',
      'POST /t/:tenant/auth/exchange-token assist:use',
      'GET /t/:tenant/access-requests/:id access_requests:read',
      'POST /t/:tenant/access-requests/:id access_requests:decide',
      'GET /t/:tenant/admin/api/users users:read',
      'POST /t/:tenant/admin/api/users/:id/roles users:write',
      'GET /t/:tenant/admin/api/audit audit:read',
      'POST /t/:tenant/admin/api/api-keys settings:write',
    ])
      assert.ok(routes.includes(expected), `${expected} not in ${routes.join(', ')}`);
  });

  const holders: [string, string[], string][] = [
    ...ROLES.map((role): [string, string[], string] => [role, [role], 'sso']),
    ['a manager signed in by API key', ['deepdesk.manager'], 'api_key'],
  ];
  for (const [label, roles, method] of holders) {
    it(`${label}: allowed exactly where the declaration grants it`, async () => {
      const { jar } = await sessionAs(h, roles, method);
      const effective = method === 'api_key' ? ['deepdesk.agent'] : roles;
      for (const route of protectedRoutes()) {
        const response = await requestFor(route, jar.header(route.path.replace(':tenant', 'acme')) ?? '');
        const text = await response.text();
        const denied = response.status === 403 && /permission_denied/.test(text);
        const allowed = can(effective, route.area, route.action as never);
        const where = `${route.method} ${route.path} as ${label}: ${response.status} ${text.slice(0, 200)}`;
        if (allowed) {
          assert.equal(denied, false, where);
          assert.ok(![401, 403].includes(response.status), where);
        } else assert.ok(denied, where);
      }
    });
  }

  it('without a session every protected route answers as signed out, never with its content', async () => {
    for (const route of protectedRoutes()) {
      const response = await requestFor(route, '');
      assert.ok([303, 401].includes(response.status), `${route.method} ${route.path}: ${response.status}`);
    }
  });
});
