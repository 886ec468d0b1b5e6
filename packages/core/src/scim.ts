// SCIM 2.0 (RFC 7643 schema, RFC 7644 protocol) for the provisioning endpoint `/t/{tenant}/scim/v2/`: parsing
// and validating what Microsoft Entra ID and Okta send (users, groups, PATCH, filters, paging) and shaping what
// goes back. Pure: no I/O. Callers import all of SCIM from here; the parts are scim-base.ts (URNs, the error,
// the list response), scim-resources.ts (users and groups), scim-patch.ts (PATCH), scim-filter.ts (filters and
// paging), over scim-values.ts (helpers they share).

export * from './scim-base.ts';
export * from './scim-filter.ts';
export * from './scim-patch.ts';
export * from './scim-resources.ts';
