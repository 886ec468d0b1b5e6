// The overlay chunk, loaded only when the agent must sign in: a shadow-DOM host with the Preact view.
import { h, render } from 'preact';
import type { OverlayContext, OverlayHandle } from '../types.ts';
import { advice, UNAVAILABLE } from './advice.ts';
import { createSignIn, type SignInState, type WindowLike } from './signin.ts';
import { STRINGS } from './strings.ts';
import { CSS } from './styles.ts';
import { OverlayView } from './view.tsx';

const POPUP_WIDTH = 500;
const POPUP_HEIGHT = 640;
const BOTTOM_RIGHT = 'the sign-in overlay is shown at the bottom right';
/** The least gap between the overlay and the viewport's left and right edges. */
const EDGE_PX = 8;

/** Shows the sign-in overlay floating just above the anchor (or at the bottom right without one). */
export function mountOverlay(context: OverlayContext): OverlayHandle {
  const { problem } = context;
  const said = problem && advice(problem, context.tenant, context.apiUrl);
  if (said) console.error(said);
  const unavailable = !!problem && UNAVAILABLE.includes(problem.code);
  const host = document.createElement('div');
  host.setAttribute('data-deskgate-overlay', '');
  host.lang = context.locale;
  // A bad anchor or product name is reported (console, `invalid_option` event) and replaced by its default,
  // so the agent can still sign in.
  const invalid = (option: string, value: unknown, why: string, instead: string) => {
    const message = `Invalid option ${option} ${JSON.stringify(String(value))}: ${why}; ${instead}.`;
    console.error(`deskgate: ${message}`);
    context.onError({ code: 'invalid_option', message });
  };
  const given = context.anchor;
  // The anchor is tracked while the overlay is shown: a selector may match nothing yet, or another element
  // after a re-render; an Element may leave the page and come back.
  let selector: string | undefined;
  let element: Element | null = null;
  try {
    if (typeof given === 'string') {
      element = document.querySelector(given);
      selector = given;
      if (!element)
        console.warn(
          `deskgate: anchor ${JSON.stringify(given)} matches no element on this page yet; ${BOTTOM_RIGHT} until one appears.`,
        );
    } else if ((given as Element | null)?.nodeType === 1) element = given;
    else if (given) invalid('anchor', given, 'not an Element or a CSS selector', BOTTOM_RIGHT);
  } catch {
    invalid('anchor', given, 'not a valid CSS selector', BOTTOM_RIGHT);
  }
  let anchor = element;
  let product = context.productName;
  if (typeof product !== 'string') {
    invalid('productName', product, 'not a string', 'Deepdesk is shown');
    product = 'Deepdesk';
  }
  host.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483647';
  document.body.append(host);

  // Float just above the agent's input field without touching the host page's layout; follow it around, and
  // fall back to the bottom right while it is not in the page (or has no box: display: none).
  let placed = '';
  const place = () => {
    const r = anchor?.isConnected && anchor.getBoundingClientRect();
    let where = ['', '16px', '16px', ''];
    if (r && (r.width || r.height)) {
      // Inside the viewport even when the anchor is not (a narrow window, a panel wider than the screen).
      const viewport = document.documentElement.clientWidth || innerWidth;
      const width = Math.min(Math.max(r.width, 200), viewport - 2 * EDGE_PX);
      const left = Math.max(EDGE_PX, Math.min(r.left, viewport - EDGE_PX - width));
      where = [`${left}px`, 'auto', `${innerHeight - r.top}px`, `${width}px`];
    }
    // Written only when it changed, so following the anchor never invalidates the page's style for nothing.
    if (`${where}` === placed) return;
    placed = `${where}`;
    const style = host.style;
    [style.left, style.right, style.bottom, style.maxWidth] = where as [string, string, string, string];
  };
  const resizes = typeof ResizeObserver === 'function' ? new ResizeObserver(() => check()) : undefined;
  /** Cheap while the anchor is in place: the selector is queried again only once its element left the page. */
  function check() {
    if (selector && !(anchor?.isConnected && anchor.matches(selector))) {
      const next = document.querySelector(selector);
      if (next !== anchor) {
        if (anchor) resizes?.unobserve(anchor);
        anchor = next;
        if (anchor) resizes?.observe(anchor);
      }
    }
    place();
  }
  // DOM changes anywhere (the anchor appearing, replaced, moved, or pushed by content added before it) cost a
  // flag check each, and one check per frame however busy the page is. The anchor's size: ResizeObserver; its
  // position: scroll (of any container), resize and the end of a transition.
  let frame = 0;
  const soon = () => {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        check();
      });
  };
  const tracked = !!(selector || element);
  const mutations = tracked ? new MutationObserver(soon) : undefined;
  mutations?.observe(document, { childList: true, subtree: true });
  if (anchor) resizes?.observe(anchor);
  const listeners = tracked
    ? ([
        ['resize', check],
        ['scroll', check],
        ['transitionend', soon],
      ] as const)
    : [];
  for (const [type, listener] of listeners) addEventListener(type, listener, true);
  place();

  // Focus: where it was before the agent moved it to the overlay's button, so it can go back there after.
  let previous: Element | null = null;
  const root = host.attachShadow({ mode: 'open' });
  root.addEventListener('focusin', (event) => {
    const from = (event as FocusEvent).relatedTarget as Element | null;
    if (from && from !== host) previous = from;
  });
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
        unavailable,
        css,
      }),
      root,
    );
  }
  draw({ phase: 'idle' });
  return {
    destroy() {
      signIn.dispose();
      mutations?.disconnect();
      resizes?.disconnect();
      cancelAnimationFrame(frame);
      for (const [type, listener] of listeners) removeEventListener(type, listener, true);
      // The button had focus (the agent pressed it): give it back rather than let it fall to <body>.
      if (document.activeElement === host) {
        const back = previous?.isConnected ? previous : selector ? document.querySelector(selector) : element;
        (back as HTMLElement | null)?.focus?.();
      }
      render(null, root);
      host.remove();
    },
  };
}
