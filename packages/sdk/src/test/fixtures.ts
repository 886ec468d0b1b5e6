// What the overlay's tests share: the API they pretend to talk to, a session, and JSON answers.
import type { SessionInfo } from '@deskgate/protocol';

export const API = 'https://auth.test';

export const session: SessionInfo = {
  tenant: 'demo',
  user: {
    id: 'u1',
    email: 'agent@example.com',
    name: 'Agent',
    roles: ['deepdesk.agent'],
    confirmed: true,
    identity: null,
  },
  accessExpiresAt: '2030-01-01T00:15:00Z',
  sessionExpiresAt: '2030-01-02T00:00:00Z',
};

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
