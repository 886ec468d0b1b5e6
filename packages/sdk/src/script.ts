// The script-tag loader (dist/deskgate.js): configured by data-* attributes, it sets window.deskgate and logs in.
import { createInstance } from './deskgate.ts';
import type { Deskgate, OverlayModule } from './types.ts';

/** File name of the content-hashed overlay chunk next to this script, filled in by vite.config.ts. */
declare const OVERLAY_FILE: string;

declare global {
  interface Window {
    deskgate?: Deskgate;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
if (script) {
  const { tenant, apiUrl, anchor, locale, productName } = script.dataset;
  const instance = createInstance(
    { tenant: tenant as string, apiUrl: apiUrl || new URL(script.src).origin, anchor, locale, productName },
    () => import(new URL(OVERLAY_FILE, script.src).href) as Promise<OverlayModule>,
  );
  window.deskgate = instance;
  instance.login();
}
