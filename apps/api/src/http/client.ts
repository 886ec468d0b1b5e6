// The client behind a request, for rate limits: its socket address unless trusted proxies forwarded one.
import { addressSubject, clientAddress } from '@deskgate/core';
import type { Context } from 'hono';
import type { AppEnv } from '../deps.ts';

/** The rate-limit subject of the requesting client (an IPv4 address or an IPv6 /64). */
export function clientSubject(c: Context<AppEnv>, trustedProxyHops: number): string {
  return addressSubject(
    clientAddress({
      // @hono/node-server hands the Node request over as `incoming`; tests pass the same shape.
      socket: c.env?.incoming?.socket?.remoteAddress,
      forwardedFor: c.req.header('x-forwarded-for'),
      trustedHops: trustedProxyHops,
    }),
  );
}
