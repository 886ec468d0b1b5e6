// The script-tag loader (dist/deskgate.js): configured by the data-* attributes of its tag (see loader.ts).
import { startLoader } from './loader.ts';

/** File names of the content-hashed chunks next to this script, filled in by vite.config.ts. */
declare const OVERLAY_FILE: string;
declare const EXCHANGE_FILE: string;

/** Imports a chunk from the directory of the script at `src`. */
const load = (file: string) => (src: string) => import(new URL(file, src).href);

startLoader(
  document.currentScript as HTMLScriptElement | null,
  load(OVERLAY_FILE),
  undefined,
  load(EXCHANGE_FILE),
);
