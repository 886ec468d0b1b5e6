// The overlay chunk, loaded only when the agent must sign in: a shadow-DOM host with the Preact view.
import { h, render } from 'preact';
import type { OverlayContext, OverlayHandle } from '../types.ts';
import { createSignIn, type SignInState, type WindowLike } from './signin.ts';
import { STRINGS } from './strings.ts';
import { CSS } from './styles.ts';
import { OverlayView } from './view.tsx';

const POPUP_WIDTH = 500;
const POPUP_HEIGHT = 640;
const BOTTOM_RIGHT = 'the sign-in overlay is shown at the bottom right';

/** Shows the sign-in overlay floating just above the anchor (or at the bottom right without one). */
export function mountOverlay(context: OverlayContext): OverlayHandle {
  const host = document.createElement('div');
  host.setAttribute('data-deskgate-overlay', '');
  host.lang = context.locale;
  // A bad anchor or product name is reported (console, `invalid_option` event) and replaced by its default,
  // so the agent can still sign in. A selector is looked up once, now.
  const invalid = (option: string, value: unknown, why: string, instead: string) => {
    const message = `Invalid option ${option} ${JSON.stringify(String(value))}: ${why}; ${instead}.`;
    console.error(`deskgate: ${message}`);
    context.onError({ code: 'invalid_option', message });
  };
  const given = context.anchor;
  let anchor: Element | null = null;
  try {
    anchor = typeof given === 'string' ? document.querySelector(given) : given;
    if (anchor && anchor.nodeType !== 1) {
      anchor = null;
      invalid('anchor', given, 'not an Element or a CSS selector', BOTTOM_RIGHT);
    } else if (!anchor && given) {
      console.warn(
        `deskgate: anchor ${JSON.stringify(given)} matches no element on this page; ${BOTTOM_RIGHT}.`,
      );
    }
  } catch {
    invalid('anchor', given, 'not a valid CSS selector', BOTTOM_RIGHT);
  }
  let product = context.productName;
  if (typeof product !== 'string') {
    invalid('productName', product, 'not a string', 'Deepdesk is shown');
    product = 'Deepdesk';
  }
  host.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483647';
  document.body.append(host);
  // Float just above the agent's input field without touching the host page's layout; follow it around.
  const place = () => {
    if (!anchor?.isConnected) return;
    const r = anchor.getBoundingClientRect();
    host.style.left = `${r.left}px`;
    host.style.right = 'auto';
    host.style.bottom = `${innerHeight - r.top}px`;
    host.style.maxWidth = `${Math.max(r.width, 200)}px`;
  };
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(place) : undefined;
  if (anchor) observer?.observe(anchor);
  addEventListener('resize', place);
  addEventListener('scroll', place, true);
  place();
  const root = host.attachShadow({ mode: 'open' });
  // An adopted stylesheet is not inline CSS, so a host page's strict style-src CSP does not block it.
  let css: string | undefined = CSS;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    css = undefined;
  } catch {}
  const left = Math.max(0, screenX + (outerWidth - POPUP_WIDTH) / 2);
  const top = Math.max(0, screenY + (outerHeight - POPUP_HEIGHT) / 2);
  const signIn = createSignIn({
    ...context,
    win: window as unknown as WindowLike,
    features: `popup,width=${POPUP_WIDTH},height=${POPUP_HEIGHT},left=${left},top=${top}`,
    onState: draw,
  });
  function draw(state: SignInState) {
    render(
      h(OverlayView, {
        state,
        strings: STRINGS[context.locale],
        product,
        onPress: signIn.press,
        css,
      }),
      root,
    );
  }
  draw({ phase: 'idle' });
  return {
    destroy() {
      signIn.dispose();
      observer?.disconnect();
      removeEventListener('resize', place);
      removeEventListener('scroll', place, true);
      render(null, root);
      host.remove();
    },
  };
}
