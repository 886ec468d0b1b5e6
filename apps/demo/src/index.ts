// Public surface of @deskgate/demo: start the fake agent desktop in-process (start script, e2e).

export { type Demo, type DemoOptions, demoCsp, startDemo } from './server.ts';
