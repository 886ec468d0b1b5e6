// The script-tag loader (dist/deskgate.js): configured by the data-* attributes of its tag (see loader.ts).
import { startLoader } from './loader.ts';
import type { OverlayModule } from './types.ts';

/** File name of the content-hashed overlay chunk next to this script, filled in by vite.config.ts. */
declare const OVERLAY_FILE: string;

startLoader(
  document.currentScript as HTMLScriptElement | null,
  (src) => import(new URL(OVERLAY_FILE, src).href) as Promise<OverlayModule>,
);
