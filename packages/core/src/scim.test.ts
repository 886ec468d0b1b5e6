import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { SCIM_SCHEMA_ERROR, ScimError, scimErrorBody } from './scim.ts';

describe('ScimError and scimErrorBody', () => {
  it('renders the RFC 7644 error body with a string status', () => {
    assert.deepEqual(scimErrorBody(new ScimError(400, 'invalidFilter', 'bad')), {
      schemas: [SCIM_SCHEMA_ERROR],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'bad',
    });
    assert.deepEqual(scimErrorBody(new ScimError(404, undefined, 'no such user')), {
      schemas: [SCIM_SCHEMA_ERROR],
      status: '404',
      detail: 'no such user',
    });
  });
});
