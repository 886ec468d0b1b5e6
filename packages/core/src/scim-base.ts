// What every part of the SCIM code shares (scim.ts re-exports it with the parts): the schema URNs, the media
// type, the error with its response body, and the list response (RFC 7644 §3.4.2, §3.12).

export const SCIM_SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_SCHEMA_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCIM_SCHEMA_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SCIM_SCHEMA_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_SCHEMA_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

/** A failure reported as a SCIM error response (RFC 7644 §3.12). */
export class ScimError extends Error {
  status: number;
  scimType: string | undefined;

  constructor(status: number, scimType: string | undefined, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }
}

/** The error response body: `status` is a string (RFC 7644 §3.12). */
export function scimErrorBody(error: ScimError): object {
  return {
    schemas: [SCIM_SCHEMA_ERROR],
    status: String(error.status),
    ...(error.scimType === undefined ? {} : { scimType: error.scimType }),
    detail: error.message,
  };
}

/** A ListResponse (RFC 7644 §3.4.2). */
export function scimListResponse(total: number, startIndex: number, resources: object[]): object {
  return {
    schemas: [SCIM_SCHEMA_LIST],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
