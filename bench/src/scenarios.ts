// The requests measured, each as the SDK or a platform sends it, with the credentials it needs minted first.
import { paths } from '@deskgate/protocol';
import type { Work } from './ceiling.ts';
import type { LoadOptions } from './load.ts';
import { type Deployment, SDK_HEADERS, TENANT } from './ours.ts';

export interface Scenario {
  name: Work;
  title: string;
  /** The load options for `amount` requests, with every single-use credential minted beforehand. */
  prepare(
    deployment: Deployment,
    amount: number,
  ): Promise<Omit<LoadOptions, 'url' | 'connections' | 'amount'>>;
}

/** Hands out the pool's items in turn; a single-use pool must hold at least as many as requests are sent. */
function cycle<T>(items: T[]): () => T {
  let i = 0;
  return () => items[i++ % items.length]!;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'session',
    title: 'GET /auth/session (read the access cookie)',
    async prepare(deployment) {
      const [session] = await deployment.sessions(1);
      return {
        path: paths.session(TENANT),
        headers: { origin: SDK_HEADERS.origin, cookie: session!.access },
      };
    },
  },
  {
    name: 'refresh',
    title: 'POST /auth/refresh (rotation, a fresh token each time)',
    async prepare(deployment, amount) {
      const next = cycle((await deployment.sessions(amount)).map((s) => s.refresh));
      return {
        method: 'POST',
        path: paths.refresh(TENANT),
        headers: { ...SDK_HEADERS },
        body: '{}',
        next: (request) => {
          request.headers.cookie = next();
        },
      };
    },
  },
  {
    name: 'jwt',
    title: 'POST /session/jwt (platform JWT, user upsert)',
    async prepare(deployment) {
      const next = cycle(deployment.jwts);
      return {
        method: 'POST',
        path: paths.sessionJwt(TENANT),
        headers: { ...SDK_HEADERS },
        body: '{}',
        next: (request) => {
          request.body = JSON.stringify({ token: next() });
        },
      };
    },
  },
  {
    name: 'apikey',
    title: 'POST /session/api-key (API key, user upsert)',
    async prepare(deployment) {
      let i = 0;
      return {
        method: 'POST',
        path: paths.sessionApiKey(TENANT),
        headers: { ...SDK_HEADERS, authorization: `Bearer ${deployment.apiKey}` },
        body: '{}',
        next: (request) => {
          const agent = i++ % deployment.jwts.length;
          request.body = JSON.stringify({ agentId: `le-${agent}`, agentName: `Agent ${agent}` });
        },
      };
    },
  },
  {
    name: 'exchange-mint',
    title: 'POST /auth/exchange-token (mint an outbound link)',
    async prepare(deployment) {
      const [session] = await deployment.sessions(1);
      return {
        method: 'POST',
        path: paths.exchangeToken(TENANT),
        headers: { ...SDK_HEADERS, cookie: session!.access },
        body: JSON.stringify({ redirect: paths.collection(TENANT) }),
      };
    },
  },
  {
    name: 'exchange-redeem',
    title: 'POST /auth/exchange (redeem it: a new session)',
    async prepare(deployment, amount) {
      const next = cycle(await deployment.exchangeTokens(amount));
      return {
        method: 'POST',
        path: paths.exchange(TENANT),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': 'same-origin',
        },
        body: '',
        expect: 303,
        next: (request) => {
          request.body = `token=${next()}`;
        },
      };
    },
  },
];
