// Request bodies: each route's own fields with plausible or garbage values, signed JWTs over fuzzed claims,
// random and malformed JSON, sizes either side of each body limit, forms and raw bytes.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { CX_ORIGIN, PUBLIC_URL, TENANT } from '../harness.ts';
import { type Known, longText, tokenShaped } from './values.ts';

// --- Bodies ---------------------------------------------------------------------------------------------

/** Fields the app's schemas read, so random objects hit real validators now and then. */
export const BODY_KEYS = [
  'agentId',
  'agentName',
  'redirect',
  'choice',
  'action',
  'role',
  'challenge',
  'challengeMethod',
  'verifier',
  'proof',
  'confirmationCode',
  'code',
  'token',
  'jwt',
  'email',
  'locale',
  'attempt',
  'return',
  'roles',
  'decision',
  'displayName',
  'allowedOrigins',
  'expiresAt',
  'name',
  'url',
  'issuer',
  'clientId',
  'clientSecret',
  'enabled',
  'trial',
  'seats',
  'invitedEmails',
  'requireRoles',
  'roleClaim',
  'roleIam',
  'sessionTtlSeconds',
  'signedUserInfoRequired',
  'userInfo',
  'schemas',
  'userName',
  'externalId',
  'active',
  'emails',
  'members',
  'Operations',
  'op',
  'path',
  'value',
  '__proto__',
  'constructor',
];

export const garbageValue = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      'S256',
      'plain',
      'agent@acme.test',
      'a@b',
      '',
      CX_ORIGIN,
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:api:messages:2.0:PatchOp',
      'replace',
      'add',
      'remove',
      'deepdesk.manager',
      'approve',
      'reject',
    ),
    weight: 2,
  },
  { arbitrary: tokenShaped, weight: 2 },
  { arbitrary: longText, weight: 1 },
  { arbitrary: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }), weight: 1 },
);

/** Numbers at and past the edges of Date and of safe integers: `new Date(x).toISOString()` throws past 8.64e15. */
export const extremeNumber = fc.constantFrom(
  1e300,
  -1e300,
  8.64e15 + 1,
  8.64e12 + 1,
  Number.MAX_SAFE_INTEGER + 2,
  -0,
  0.5,
);

export const base64url43 = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
export const roleNames = fc.array(
  fc.constantFrom('deepdesk.agent', 'deepdesk.manager', 'deepdesk.admin', 'x', ''),
  {
    maxLength: 3,
  },
);
export const email = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('agent@acme.test', 'new@acme.test', 'x@evil.test'),
);

export const now = () => Math.floor(Date.now() / 1000);

/** A claim of the platform JWT presets (messenger, deskpro) or a registered one, plausible or garbage. */
export function claimValue(key: string): fc.Arbitrary<unknown> {
  switch (key) {
    case 'iat':
    case 'nbf':
    case 'exp':
      return fc.oneof(
        { arbitrary: fc.integer({ min: -900, max: 900 }).map((d) => now() + d), weight: 4 },
        fc.constantFrom(0, -1, '1700000000', null, 1.5),
        extremeNumber,
      );
    case 'email':
      return email;
    case 'emails':
      return fc.array(email, { maxLength: 3 });
    case 'usergroup_ids':
      return fc.array(fc.oneof(fc.nat(20), fc.string({ maxLength: 5 })), { maxLength: 3 });
    case 'jti':
      return fc.oneof(fc.uuid(), fc.constantFrom('', 'x'), fc.integer());
    case 'deskpro_id':
    case 'id':
    case 'sub':
      return fc.oneof(fc.nat(1000).map(String), fc.nat(1000), fc.constantFrom('', ' ', 'a'.repeat(300)));
    default:
      return fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 }));
  }
}
export const CLAIM_KEYS = ['deskpro_id', 'id', 'sub', 'email', 'emails', 'name', 'first_name', 'last_name'];
export const REGISTERED = ['iat', 'exp', 'nbf', 'jti', 'iss', 'aud', 'usergroup_ids'];

/**
 * A JWT signed with one of the tenant's real keys (HS256 over base64url header and payload), with a header and
 * claims that are mostly right: only a valid signature gets a token past the signature check to the claims.
 */
export function signedJwt(keys: Known['jwtKeys']): fc.Arbitrary<string> {
  // exp and iat nearly always (without them nothing else is looked at), the rest by chance.
  const claims = fc
    .tuple(
      fc.subarray(['exp', 'iat']),
      fc.boolean(),
      fc.subarray([...CLAIM_KEYS, ...REGISTERED.filter((k) => k !== 'exp' && k !== 'iat')]),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
    )
    .chain(([times, usual, names, extra]) =>
      fc.tuple(
        ...[...(usual ? ['exp', 'iat'] : times), ...names, ...extra].map((name) =>
          claimValue(name).map((v) => [name, v] as const),
        ),
      ),
    )
    .map((entries) => Object.fromEntries(entries));
  const header = (kid: string) =>
    fc.oneof(
      { arbitrary: fc.constant({ alg: 'HS256', typ: 'JWT', kid }), weight: 6 },
      fc.record(
        {
          alg: fc.constantFrom('HS256', 'none', 'HS512', 'RS256', ''),
          typ: fc.constantFrom('JWT', 'jwt', 'at+jwt'),
          kid: fc.oneof(fc.constant(kid), fc.constantFrom('', 'x', '../kid'), fc.integer()),
          crit: fc.constant(['exp']),
          b64: fc.boolean(),
        },
        { requiredKeys: ['alg'] },
      ),
    );
  return fc
    .constantFrom(...keys)
    .chain((key) => fc.tuple(fc.constant(key), header(key.kid), claims))
    .map(([key, head, body]) => signHs256(key.secret, head, body));
}

/** A compact JWS of `header` and `claims`, HS256 with `secret` as the platform signs it. */
export function signHs256(secret: string, header: unknown, claims: unknown): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Values a field's validator accepts, or nearly: past validation is where the handlers' own code runs. */
export function plausible(key: string, known: Known): fc.Arbitrary<unknown> | undefined {
  switch (key) {
    case 'token':
    case 'jwt':
      return known.jwtKeys.length
        ? fc.oneof({ arbitrary: signedJwt(known.jwtKeys), weight: 3 }, tokenShaped)
        : tokenShaped;
    case 'challenge':
    case 'verifier':
    case 'proof':
      return base64url43;
    case 'challengeMethod':
      return fc.constant('S256');
    case 'confirmationCode':
    case 'code':
      return fc.stringMatching(/^[A-HJ-NP-Z2-9]{6}$/);
    case 'email':
    case 'userName':
      return email;
    case 'locale':
      return fc.constantFrom('en-US', 'nl-NL', 'en');
    case 'attempt':
      return fc.constantFrom(...known.attemptIds);
    case 'url':
    case 'return':
      return fc.constantFrom(
        `${CX_ORIGIN}/case/1`,
        `${PUBLIC_URL}/t/${TENANT}/me`,
        'https://evil.test/',
        '/x',
      );
    case 'roles':
    case 'requireRoles':
      return roleNames;
    case 'decision':
      return fc.constantFrom('approve', 'reject', 'approved', 'rejected');
    case 'agentId':
    case 'agentName':
    case 'displayName':
      return fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('agent-1', ' ', '\u0000'));
    case 'redirect':
      return fc.constantFrom(
        `/t/${TENANT}/collection`,
        `${PUBLIC_URL}/t/${TENANT}/collection`,
        'https://evil.test/',
        '//evil.test',
        '/\\evil.test',
      );
    case 'choice':
      return fc.constantFrom('switch', 'stay', 'x');
    case 'action':
      return fc.constantFrom('grant', 'revoke', 'x');
    case 'role':
      return fc.constantFrom('deepdesk.agent', 'deepdesk.manager', 'x');
    case 'allowedOrigins':
      return fc.array(fc.constantFrom(CX_ORIGIN, 'https://other.test', 'null', '*', 'not a url'), {
        maxLength: 3,
      });
    case 'invitedEmails':
      return fc.array(email, { maxLength: 3 });
    case 'expiresAt':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.integer(),
        extremeNumber,
      );
    case 'enabled':
    case 'trial':
    case 'roleIam':
    case 'active':
    case 'signedUserInfoRequired':
      return fc.boolean();
    case 'seats':
    case 'sessionTtlSeconds':
      return fc.oneof(fc.integer({ min: -1, max: 10_000_000 }), extremeNumber);
    case 'schemas':
      return fc.constant([
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'urn:ietf:params:scim:api:messages:2.0:PatchOp',
      ]);
    case 'Operations':
      return fc.array(
        fc.record(
          {
            op: fc.constantFrom('add', 'replace', 'remove', 'Replace', 'x'),
            path: fc.constantFrom(
              'active',
              'members',
              'displayName',
              'emails[type eq "work"].value',
              'name.givenName',
              'x[',
            ),
            value: fc.oneof(
              fc.boolean(),
              fc.string(),
              fc.array(fc.record({ value: fc.uuid() }), { maxLength: 2 }),
            ),
          },
          { requiredKeys: ['op'] },
        ),
        { maxLength: 3 },
      );
    case 'members':
      return fc.array(fc.record({ value: fc.oneof(fc.constantFrom(...known.userIds), fc.uuid()) }), {
        maxLength: 3,
      });
    case 'emails':
      return fc.array(
        fc.record({ value: email, primary: fc.boolean(), type: fc.constantFrom('work', 'home') }),
        {
          maxLength: 2,
        },
      );
    default:
      return undefined;
  }
}

/** The fields each kind of route reads, by its pattern: a body of all of them gets past "missing field". */
export const SHAPES: [RegExp, string[]][] = [
  [/\/auth\/attempts$/, ['challenge', 'challengeMethod', 'locale']],
  [/\/redeem$/, ['verifier', 'proof']],
  [/\/attempts\/:id\/confirm$/, ['confirmationCode']],
  [/\/access-request\/confirm$/, ['token']],
  [/\/magic-link$/, ['email', 'attempt', 'locale']],
  [/\/magic-link\/open$/, ['token']],
  [/\/exchange-token$/, ['redirect']],
  [/\/auth\/exchange$/, ['token', 'choice']],
  [/\/session\/jwt$/, ['token']],
  [/\/session\/api-key$/, ['agentId', 'agentName']],
  [/\/roles$/, ['action', 'role']],
  [/access-requests\/:id$/, ['decision']],
  [
    /\/admin\/api\/settings$/,
    ['displayName', 'allowedOrigins', 'trial', 'seats', 'invitedEmails', 'requireRoles', 'sessionTtlSeconds'],
  ],
  [/\/settings\/oidc\/:id$/, ['issuer', 'clientId', 'clientSecret', 'roleClaim', 'roleIam', 'displayName']],
  [/\/(api-keys|scim-tokens|jwt-keys)$/, ['expiresAt', 'allowedOrigins', 'name', 'url']],
  [/\/jwt-check$/, ['token']],
  [
    /\/scim\/v2\/Users(\/:id)?$/,
    ['schemas', 'userName', 'active', 'emails', 'externalId', 'name', 'Operations'],
  ],
  [/\/scim\/v2\/Groups(\/:id)?$/, ['schemas', 'displayName', 'members', 'externalId', 'Operations']],
];

/** The route's own fields, each plausible (mostly), garbage or left out. */
/**
 * Fields the harness's secret scan treats as secrets (lower-cased): their garbage is never a public string that
 * an error body may rightly quote (a URL, a SCIM URN), or the scan would report a leak that is none.
 */
export const SECRET_BODY_KEYS = new Set([
  'token',
  'jwt',
  'key',
  'secret',
  'clientsecret',
  'proof',
  'verifier',
  'password',
]);
export const secretGarbage = fc.oneof(tokenShaped, fc.string(), fc.integer(), fc.constant(null));
export const garbageFor = (key: string) =>
  SECRET_BODY_KEYS.has(key.toLowerCase()) ? secretGarbage : garbageValue;

export function shapedObject(keys: string[], known: Known): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      ...keys.map((key) =>
        fc.oneof(
          {
            arbitrary: (plausible(key, known) ?? garbageFor(key)).map((value) => [key, value] as const),
            weight: 6,
          },
          { arbitrary: garbageFor(key).map((value) => [key, value] as const), weight: 1 },
          { arbitrary: fc.constant(undefined), weight: 1 },
        ),
      ),
    )
    .map((entries) => Object.fromEntries(entries.filter((e) => e !== undefined)));
}

/** A body for `path`: its own fields as JSON or a form, or anything `bodyArb` makes. */
export function bodyFor(path: string, known: Known): fc.Arbitrary<BodySpec> {
  const keys = SHAPES.find(([pattern]) => pattern.test(path))?.[1];
  if (!keys) return bodyArb(known);
  const shaped = shapedObject(keys, known);
  return fc.oneof(
    { arbitrary: shaped.map((o) => ({ text: JSON.stringify(o) })), weight: 4 },
    {
      arbitrary: shaped.map((o) => ({
        text: new URLSearchParams(
          Object.entries(o).map(([k, v]): [string, string] => [
            k,
            typeof v === 'string' ? v : JSON.stringify(v),
          ]),
        ).toString(),
      })),
      weight: 1,
    },
    { arbitrary: bodyArb(known), weight: 3 },
  );
}

/** A JSON object with fields the app reads, each plausible or garbage. */
export function bodyObject(known: Known): fc.Arbitrary<Record<string, unknown>> {
  const entry = fc.constantFrom(...BODY_KEYS).chain((key) => {
    const good = plausible(key, known);
    return fc.tuple(
      fc.constant(key),
      good
        ? fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: garbageFor(key), weight: 1 })
        : garbageFor(key),
    );
  });
  return fc.array(entry, { maxLength: 6 }).map((entries) => {
    // defineProperty: a `__proto__` key must stay an own field, as JSON.parse would make it.
    const object: Record<string, unknown> = {};
    for (const [key, value] of entries)
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
    return object;
  });
}

/** A body as bytes or text, with the content type it claims (which may be wrong on purpose). */
export type BodySpec = { text: string } | { bytes: Uint8Array };

/** JSON around a string of n bytes: sizes either side of the app's limits (256 B, 1 KiB, 4 KiB, 256 KiB). */
export const nearLimit = fc
  .tuple(
    fc.constantFrom(256, 1024, 4096, 256 * 1024),
    fc.integer({ min: -24, max: 24 }),
    fc.constantFrom(...BODY_KEYS),
  )
  .map(([limit, delta, key]) => {
    const shell = JSON.stringify({ [key]: '' });
    return { text: shell.replace('""', `"${'x'.repeat(Math.max(0, limit + delta - shell.length))}"`) };
  });

export const bodyArb = (known: Known): fc.Arbitrary<BodySpec> =>
  fc.oneof(
    { arbitrary: bodyObject(known).map((o) => ({ text: JSON.stringify(o) })), weight: 6 },
    { arbitrary: fc.jsonValue().map((v) => ({ text: JSON.stringify(v) ?? 'null' })), weight: 2 },
    { arbitrary: fc.json().map((text) => ({ text })), weight: 1 },
    {
      // Malformed JSON: a valid document cut short or with a stray character, and classics.
      arbitrary: fc.oneof(
        fc
          .tuple(fc.json(), fc.nat(), fc.constantFrom('', '}', ',', '"', '\\', '\u0000'))
          .map(([text, cut, junk]) => ({ text: text.slice(0, cut % (text.length + 1)) + junk })),
        fc.constantFrom(
          { text: '' },
          { text: '{' },
          { text: '{"a":' },
          { text: "{'a':1}" },
          { text: '{"a":1,}' },
          { text: 'NaN' },
          { text: '\uFEFF{}' },
          { text: '{"__proto__":{"polluted":true}}' },
          { text: '{"constructor":{"prototype":{"polluted":true}}}' },
          { text: '{"a":"\\ud800"}' },
          { text: '1e999999' },
        ),
        fc.string({ maxLength: 40 }).map((text) => ({ text })),
      ),
      weight: 3,
    },
    {
      // Deep nesting, balanced or not.
      arbitrary: fc
        .tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
        .map(([depth, open, closed]) => ({
          text: open.repeat(depth) + (closed ? `1${(open === '[' ? ']' : '}').repeat(depth)}` : ''),
        })),
      weight: 1,
    },
    { arbitrary: nearLimit, weight: 2 },
    {
      // Forms, as a hosted page posts them, with fields the app reads and others.
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...BODY_KEYS), fc.string({ maxLength: 8 })),
            fc.oneof(fc.string({ maxLength: 20 }), tokenShaped),
          ),
          {
            maxLength: 4,
          },
        )
        .map((pairs) => ({ text: new URLSearchParams(pairs).toString() })),
      weight: 2,
    },
    { arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes })), weight: 1 },
    {
      arbitrary: fc.constantFrom(
        { text: '--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n123\r\n--x--\r\n' },
        { text: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n' },
      ),
      weight: 1,
    },
  );
