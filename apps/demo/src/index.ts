// Public surface of @deskgate/demo: start the fake agent desktop in-process (start script, e2e).

export { type DemoSettings, demoCsp } from './config.ts';
export {
  PLATFORM_AGENT,
  type PlatformKey,
  type PlatformSettings,
  platformKeysFromSeed,
} from './platform.ts';
export { type Demo, type DemoOptions, startDemo } from './server.ts';
export { apiKeyFromSeed, WIDGET_AGENT, widgetUrl } from './widget.ts';
