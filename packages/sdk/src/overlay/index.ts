// The overlay chunk, loaded only when the agent must sign in: a shadow-DOM host with the Preact view.
import { h, render } from 'preact';
import type { OverlayContext, OverlayHandle } from '../types.ts';
import { createSignIn, type SignInState, type WindowLike } from './signin.ts';
import { STRINGS } from './strings.ts';
import { CSS } from './styles.ts';
import { OverlayView } from './view.tsx';

const POPUP_WIDTH = 500;
const POPUP_HEIGHT = 640;

/** Shows the sign-in overlay floating just above the anchor (or at the bottom right without one). */
export function mountOverlay(context: OverlayContext): OverlayHandle {
  const host = document.createElement('div');
  host.setAttribute('data-deskgate-overlay', '');
  host.lang = context.locale;
  const anchor = typeof context.anchor === 'string' ? document.querySelector(context.anchor) : context.anchor;
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
        product: context.productName,
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
