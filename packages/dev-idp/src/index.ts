// Public surface of @deskgate/dev-idp: a real OpenID Provider for the demo and tests, and a browserless driver.

export { DEMO_ACCOUNTS, DEMO_STAFF_ACCOUNT, type DevAccount } from './accounts.ts';
export { type HeadlessCredentials, loginHeadless } from './headless.ts';
export { type DevIdp, type DevIdpClient, type DevIdpOptions, startDevIdp } from './server.ts';
