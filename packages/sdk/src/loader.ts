// What the script-tag loader does with its tag (script.ts passes document.currentScript): one instance per
// page however often the tag is included, and a bad tag reported where the page listens.
import { createInstance, type Environment } from './deskgate.ts';
import { resolveOptions } from './options.ts';
import type { Deskgate, DeskgateOptions, ExchangeModule, OverlayModule } from './types.ts';

declare global {
  interface Window {
    deskgate?: Deskgate;
    /** signedUserInfo for the script tag: a token, or a function returning one; set before the tag runs. */
    deskgateSignedUserInfo?: DeskgateOptions['signedUserInfo'];
  }
}

/** Set on window by the loader that started: a later copy (of any version, from any tag) stands down. */
export const STARTED = Symbol.for('deskgate.loader');

interface Started {
  tenant: string;
  apiUrl: string;
}

/**
 * Creates the instance from the tag's data-* attributes, sets `window.deskgate` and calls `login()`. A second
 * tag on the page does nothing but warn. A bad tenant or apiUrl starts nothing (there is nothing to sign in
 * to): `console.error` and an `invalid_option` `deskgate:error` on window. Returns the instance it started.
 */
export function startLoader(
  script: HTMLScriptElement | null,
  loadOverlay: (scriptSrc: string) => Promise<OverlayModule>,
  environment?: Partial<Environment>,
  loadExchange?: (scriptSrc: string) => Promise<ExchangeModule>,
): Deskgate | undefined {
  if (!script) {
    console.error('deskgate: deskgate.js needs a classic <script src> tag (not type="module"); not started.');
    return;
  }
  const page = window as unknown as Record<symbol, Started | undefined>;
  const first = page[STARTED];
  let options: DeskgateOptions | undefined;
  let resolved: Started | undefined;
  try {
    const { dataset } = script;
    // Each data-* attribute is the option of its name (data-api-key: apiKey), an unknown one is not used;
    // data-agent-id, data-agent-name and data-agent-email have the names of fromUrl's parameters, and win
    // over them (exchange.ts).
    options = {
      ...dataset,
      apiUrl: dataset.apiUrl || new URL(script.src).origin,
      signedUserInfo: dataset.signedUserInfo || window.deskgateSignedUserInfo,
      fromUrl: dataset.fromUrl != null,
    } as DeskgateOptions;
    resolved = resolveOptions(options);
  } catch (error) {
    if (!first) {
      const message = `Not started: ${(error as Error).message.replace('deskgate: ', '')}`;
      console.error(`deskgate: ${message}`);
      dispatchEvent(new CustomEvent('deskgate:error', { detail: { code: 'invalid_option', message } }));
      return;
    }
  }
  if (first) {
    console.warn(
      `deskgate: deskgate.js is included more than once; window.deskgate stays the first instance and this tag is ignored${
        resolved?.tenant === first.tenant && resolved.apiUrl === first.apiUrl
          ? ''
          : `, with its tenant ${JSON.stringify(options?.tenant)} and apiUrl ${JSON.stringify(options?.apiUrl)} (the page uses tenant "${first.tenant}" at ${first.apiUrl})`
      }.`,
    );
    return;
  }
  const instance = createInstance(
    options as DeskgateOptions,
    () => loadOverlay(script.src),
    environment,
    [],
    () => loadExchange!(script.src),
  );
  page[STARTED] = resolved;
  window.deskgate = instance;
  instance.login();
  return instance;
}
