// @deskgate/api: createApp(deps) and what it needs; the node entry (main.ts) and CLI (cli.ts) sit beside it.
export { type App, type AppOptions, createApp } from './app.ts';
export type { Deps, ReferenceAssets, SdkAssets } from './deps.ts';
