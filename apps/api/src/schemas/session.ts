// The session as the SDK sees it (GET /session, refresh, a successful redeem), checked against protocol.
import type {
  SessionInfo as ProtocolSessionInfo,
  SessionStatus as ProtocolSessionStatus,
} from '@deskgate/protocol';
import * as v from 'valibot';
import type { Assert, Same } from './same.ts';

const DateTime = v.pipe(v.string(), v.isoTimestamp());

export const SessionInfo = v.pipe(
  v.object({
    tenant: v.string(),
    user: v.object({
      id: v.string(),
      email: v.nullable(v.string()),
      name: v.nullable(v.string()),
      roles: v.array(v.string()),
      confirmed: v.pipe(
        v.boolean(),
        v.description('True when an identity provider or a signed platform token vouched for this user'),
      ),
      identity: v.pipe(
        v.nullable(v.object({ issuer: v.string(), subject: v.string() })),
        v.description(
          'Who the user signed in as in this session: the issuer and their subject there (the ID token `sub`, a platform user id, or `email` and the address). A manager grants roles by it (`user grant --sub`). Null when unknown.',
        ),
      ),
    }),
    accessExpiresAt: v.pipe(DateTime, v.description('When the access cookie expires; refresh after it')),
    sessionExpiresAt: v.pipe(DateTime, v.description('Absolute end of the session')),
  }),
  v.metadata({ ref: 'SessionInfo' }),
);

export type SessionInfoMatchesProtocol = Assert<Same<v.InferOutput<typeof SessionInfo>, ProtocolSessionInfo>>;

export const SessionStatus = v.pipe(
  v.object({
    session: v.pipe(
      v.nullable(SessionInfo),
      v.description('The session of a valid access cookie, else null'),
    ),
    refreshable: v.pipe(
      v.boolean(),
      v.description('Whether a refresh cookie was sent: only then is POST refresh worth trying'),
    ),
    signedUserInfoRequired: v.optional(
      v.pipe(
        v.literal(true),
        v.description('Present when the tenant takes sessions only from platform JWTs (signedUserInfo)'),
      ),
    ),
  }),
  v.metadata({ ref: 'SessionStatus' }),
);

export type SessionStatusMatchesProtocol = Assert<
  Same<v.InferOutput<typeof SessionStatus>, ProtocolSessionStatus>
>;
