// The SCIM discovery documents (RFC 7644 §4, RFC 7643 §5-7): what this service supports, its resource types and
// the schemas of the attributes it keeps. Static, but for the base URL in each `meta.location`.
import { SCIM_SCHEMA_GROUP, SCIM_SCHEMA_USER } from '@deskgate/core';

const SCHEMA_SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const SCHEMA_RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** The largest page a list answers (parseScimPaging clamps `count` to it). */
export const SCIM_MAX_RESULTS = 200;

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SCHEMA_SPC],
    documentationUri: `${base.replace(/\/t\/[^/]+\/scim\/v2$/, '')}/reference`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'SCIM token',
        description: 'A tenant SCIM token (dgs_…) from `pnpm deskgate scim-token create`, as a bearer token',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export const SCIM_RESOURCE_TYPES = [
  (base: string) => ({
    schemas: [SCHEMA_RESOURCE_TYPE],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'An agent or manager of the tenant',
    schema: SCIM_SCHEMA_USER,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
  }),
  (base: string) => ({
    schemas: [SCHEMA_RESOURCE_TYPE],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'A group whose members hold the role the tenant maps it to',
    schema: SCIM_SCHEMA_GROUP,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
  }),
];

type Attribute = {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable';
  returned?: 'always' | 'default';
  uniqueness?: 'none' | 'server';
  description: string;
  subAttributes?: Attribute[];
};

function attribute(a: Attribute): Record<string, unknown> {
  return {
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...a,
    ...(a.subAttributes && { subAttributes: a.subAttributes.map(attribute) }),
  };
}

const str = (name: string, description: string, extra: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  description,
  ...extra,
});

export const SCIM_SCHEMAS = [
  (base: string) => ({
    schemas: [SCHEMA_SCHEMA],
    id: SCIM_SCHEMA_USER,
    name: 'User',
    description: 'User account',
    attributes: [
      str('userName', 'Unique in the tenant, ignoring case', { required: true, uniqueness: 'server' }),
      str('externalId', 'The platform user id platform JWTs and API-key sign-ins resolve to', {
        caseExact: true,
        uniqueness: 'server',
      }),
      str('displayName', 'The name shown to people'),
      {
        name: 'name',
        type: 'complex',
        description: 'The parts of the name',
        subAttributes: [
          str('givenName', 'Given name'),
          str('familyName', 'Family name'),
          str('formatted', 'Full name'),
        ],
      },
      {
        name: 'emails',
        type: 'complex',
        multiValued: true,
        description: 'Email addresses; the primary (else the first) is the user’s email',
        subAttributes: [
          str('value', 'The address'),
          str('type', 'work, home, other'),
          { name: 'primary', type: 'boolean', description: 'The primary address' },
        ],
      },
      { name: 'active', type: 'boolean', description: 'false: signs in by no method; sessions end' },
    ].map((a) => attribute(a as Attribute)),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${SCIM_SCHEMA_USER}` },
  }),
  (base: string) => ({
    schemas: [SCHEMA_SCHEMA],
    id: SCIM_SCHEMA_GROUP,
    name: 'Group',
    description: 'Group; its members hold the role the tenant maps it to (scim.groupRoles)',
    attributes: [
      str('displayName', 'Unique in the tenant, ignoring case', { required: true, uniqueness: 'server' }),
      str('externalId', 'The client’s id for the group', { caseExact: true }),
      {
        name: 'members',
        type: 'complex',
        multiValued: true,
        description: 'The member users',
        subAttributes: [
          str('value', 'The user’s id', { mutability: 'immutable' }),
          { name: '$ref', type: 'reference', description: 'The user’s URI', mutability: 'immutable' },
        ],
      },
    ].map((a) => attribute(a as Attribute)),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${SCIM_SCHEMA_GROUP}` },
  }),
];
