// @deskgate/core: pure logic shared by the API and the store adapters (no I/O).
export * from './access-token.ts';
export * from './attempt.ts';
export * from './client-address.ts';
export * from './cookies.ts';
export * from './encoding.ts';
export * from './errors.ts';
export * from './identity.ts';
export * from './master-key.ts';
export * from './platform-jwt.ts';
export * from './platform-jwt-config.ts';
export * from './rate-limit.ts';
export * from './refresh-token.ts';
export * from './return-target.ts';
export * from './roles.ts';
export * from './signing-keys.ts';
export * from './store.ts';
export * from './tenant.ts';
