// The overlay in a real browser: where it floats, how it is isolated, how a keyboard user drives it, and what
// it says in every state of the sign-in and in both locales.
import type { SessionInfo } from '@deskgate/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { API, json, session } from '../test/fixtures.ts';
import type { ApiSend, DeskgateErrorInfo, Locale, OverlayContext } from '../types.ts';
import { mountOverlay } from './index.ts';
import type { PopupLike } from './signin.ts';

/** The host's bottom margin: the overlay keeps this gap above the anchor (and the viewport's edge). */
const GAP_PX = 8;
const attempt = (overrides: object = {}) =>
  json(201, {
    attemptId: 'att1',
    signInUrl: `${API}/t/demo/auth/signin?attempt=att1`,
    confirmationCode: 'K7Q2',
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    pollIntervalMs: 100,
    ...overrides,
  });

/** A fake API: the attempt answer, then what every redeem poll answers. */
function api(create: () => Response, redeem: () => Response = () => json(200, { status: 'pending' })) {
  const paths: string[] = [];
  const send: ApiSend = async (path, _body, signal) => {
    signal?.throwIfAborted();
    paths.push(path);
    return path.endsWith('/redeem') ? redeem() : create();
  };
  return { send, paths };
}

const added: Element[] = [];
const handles: { destroy(): void }[] = [];

/** Adds an element to the page for this test only. */
function add<T extends Element>(element: T): T {
  document.body.append(element);
  added.push(element);
  return element;
}

/** A fixed-position textarea where a CX platform's reply box would be. */
function anchorAt(box: { top: number; left: number; width: number; height?: number }): HTMLTextAreaElement {
  const anchor = add(document.createElement('textarea'));
  anchor.id = 'composer';
  anchor.style.cssText = `position:fixed;margin:0;padding:0;border:0;box-sizing:border-box;top:${box.top}px;left:${box.left}px;width:${box.width}px;height:${box.height ?? 60}px`;
  return anchor;
}

function mount(overrides: Partial<OverlayContext> = {}) {
  const errors: DeskgateErrorInfo[] = [];
  const signedIn: SessionInfo[] = [];
  const context: OverlayContext = {
    tenant: 'demo',
    apiUrl: API,
    apiOrigin: API,
    locale: 'en-US',
    productName: 'Deepdesk',
    anchor: null,
    send: api(() => attempt()).send,
    onSignedIn: (s) => signedIn.push(s),
    onError: (e) => errors.push(e),
    ...overrides,
  };
  const handle = mountOverlay(context);
  handles.push(handle);
  const host = document.querySelector<HTMLElement>('[data-deskgate-overlay]')!;
  const root = host.shadowRoot!;
  return {
    handle,
    host,
    root,
    errors,
    signedIn,
    button: () => root.querySelector<HTMLButtonElement>('button[part="signin-button"]')!,
    status: () => root.querySelector<HTMLElement>('[part="status"]')!,
    region: () => root.querySelector<HTMLElement>('section[role="region"]')!,
  };
}

class FakePopup implements PopupLike {
  closed = false;
  location = { href: 'about:blank' };
  focus() {}
  close() {
    this.closed = true;
  }
}

/** window.open as the overlay sees it: a popup that stays open, or null as a popup blocker answers. */
function stubOpen(result: 'popup' | 'blocked' = 'popup') {
  return vi
    .spyOn(window, 'open')
    .mockImplementation(() => (result === 'popup' ? (new FakePopup() as unknown as Window) : null));
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

afterEach(() => {
  for (const handle of handles.splice(0)) handle.destroy();
  for (const element of added.splice(0)) element.remove();
  vi.restoreAllMocks();
});

describe('mountOverlay: placement', () => {
  it("floats just above the anchor, aligned with its left edge, without moving the page's own layout", () => {
    const anchor = anchorAt({ top: 500, left: 40, width: 320 });
    const before = anchor.getBoundingClientRect().toJSON();
    const { host } = mount({ anchor: '#composer' });
    const box = host.getBoundingClientRect();
    expect(box.bottom).toBeCloseTo(500 - GAP_PX, 0);
    expect(box.left).toBeCloseTo(40, 0);
    expect(box.width).toBeLessThanOrEqual(320);
    expect(box.height).toBeGreaterThan(0);
    expect(anchor.getBoundingClientRect().toJSON()).toStrictEqual(before);
    expect(getComputedStyle(host).position).toBe('fixed');
  });

  it('stays inside the viewport when the anchor runs past its right or left edge (a narrow window)', () => {
    const viewport = document.documentElement.clientWidth;
    anchorAt({ top: 500, left: viewport - 60, width: 400 });
    const { host } = mount({ anchor: '#composer' });
    const box = host.getBoundingClientRect();
    expect(box.right).toBeLessThanOrEqual(viewport - 8 + 0.5);
    expect(box.left).toBeGreaterThanOrEqual(8 - 0.5);
    expect(box.bottom).toBeCloseTo(500 - GAP_PX, 0);
    handles.pop()?.destroy();
    added.pop()?.remove();
    anchorAt({ top: 500, left: -150, width: 200 });
    expect(mount({ anchor: '#composer' }).host.getBoundingClientRect().left).toBeCloseTo(8, 0);
  });

  it('takes an element as the anchor as well as a selector', () => {
    const anchor = anchorAt({ top: 300, left: 10, width: 250 });
    const { host } = mount({ anchor });
    expect(host.getBoundingClientRect().bottom).toBeCloseTo(300 - GAP_PX, 0);
  });

  it('follows the anchor when the window is resized and when a container scrolls', async () => {
    const scroller = add(document.createElement('div'));
    scroller.style.cssText = 'position:fixed;top:0;left:0;width:300px;height:400px;overflow:auto';
    const spacer = document.createElement('div');
    spacer.style.height = '300px';
    const anchor = document.createElement('textarea');
    anchor.style.cssText = 'display:block;margin:0;height:60px;width:280px';
    const tail = document.createElement('div');
    tail.style.height = '1000px';
    scroller.append(spacer, anchor, tail);
    const { host } = mount({ anchor });
    expect(host.getBoundingClientRect().bottom).toBeCloseTo(300 - GAP_PX, 0);

    scroller.scrollTop = 100;
    await vi.waitFor(() => expect(host.getBoundingClientRect().bottom).toBeCloseTo(200 - GAP_PX, 0));

    spacer.style.height = '250px';
    window.dispatchEvent(new Event('resize'));
    expect(host.getBoundingClientRect().bottom).toBeCloseTo(150 - GAP_PX, 0);
  });

  it('follows the anchor when the anchor itself changes size', async () => {
    const anchor = anchorAt({ top: 400, left: 20, width: 220 });
    const { host } = mount({ anchor });
    expect(host.style.maxWidth).toBe('220px');
    anchor.style.width = '340px';
    await vi.waitFor(() => expect(host.style.maxWidth).toBe('340px'));
  });

  it('sits at the bottom right of the viewport without an anchor, or when the selector matches nothing', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    for (const anchor of [null, '#no-such-element']) {
      const { host, handle } = mount({ anchor });
      const box = host.getBoundingClientRect();
      expect(box.right).toBeCloseTo(innerWidth - 16, 0);
      expect(box.bottom).toBeCloseTo(innerHeight - 16 - GAP_PX, 0);
      handle.destroy();
    }
  });

  it('says in the console when the selector matches nothing (yet), without an error event', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { errors } = mount({ anchor: '#no-such-element' });
    expect(warn).toHaveBeenCalledWith(
      'deskgate: anchor "#no-such-element" matches no element on this page yet; the sign-in overlay is shown at the bottom right until one appears.',
    );
    expect(errors).toStrictEqual([]);
  });

  for (const [anchor, why] of [
    ['##bad', 'not a valid CSS selector'],
    ['div[', 'not a valid CSS selector'],
    [{ jquery: '3.7.1' }, 'not an Element or a CSS selector'],
    [42, 'not an Element or a CSS selector'],
  ] as const) {
    it(`reports the invalid anchor ${JSON.stringify(anchor)} and still shows the overlay at the bottom right`, () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { host, button, errors } = mount({ anchor: anchor as unknown as string });
      const message = `Invalid option anchor ${JSON.stringify(String(anchor))}: ${why}; the sign-in overlay is shown at the bottom right.`;
      expect(errors).toStrictEqual([{ code: 'invalid_option', message }]);
      expect(error).toHaveBeenCalledWith(`deskgate: ${message}`);
      const box = host.getBoundingClientRect();
      expect(box.right).toBeCloseTo(innerWidth - 16, 0);
      expect(box.bottom).toBeCloseTo(innerHeight - 16 - GAP_PX, 0);
      expect(button().textContent).toBe('Sign in to Deepdesk');
    });
  }

  it('reports a product name that is not a string and shows the default', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { button, errors } = mount({ productName: { name: 'Acme' } as unknown as string });
    expect(errors.map((e) => e.code)).toStrictEqual(['invalid_option']);
    expect(errors[0]!.message).toMatch(/^Invalid option productName "\[object Object\]": not a string/);
    expect(button().textContent).toBe('Sign in to Deepdesk');
  });

  it('stops following the anchor once destroyed, and leaves nothing behind', async () => {
    const anchor = anchorAt({ top: 400, left: 20, width: 220 });
    const { handle, host } = mount({ anchor });
    handle.destroy();
    expect(host.isConnected).toBe(false);
    expect(document.querySelector('[data-deskgate-overlay]')).toBeNull();
    anchor.style.top = '100px';
    window.dispatchEvent(new Event('resize'));
    await nextFrame();
    expect(host.style.bottom).toBe(`${innerHeight - 400}px`);
  });
});

/** Expects the overlay to float just above `anchor`, aligned with its left edge (once it has caught up). */
async function expectAbove(host: HTMLElement, anchor: Element) {
  await vi.waitFor(() => {
    const box = anchor.getBoundingClientRect();
    expect(host.getBoundingClientRect().bottom).toBeCloseTo(box.top - GAP_PX, 0);
    expect(host.getBoundingClientRect().left).toBeCloseTo(box.left, 0);
  });
}

/** Expects the overlay at its fallback place, the bottom right of the viewport (once it has caught up). */
async function expectBottomRight(host: HTMLElement) {
  await vi.waitFor(() => {
    const box = host.getBoundingClientRect();
    expect(box.right).toBeCloseTo(innerWidth - 16, 0);
    expect(box.bottom).toBeCloseTo(innerHeight - 16 - GAP_PX, 0);
  });
}

describe('mountOverlay: an anchor that comes, goes, moves or is re-rendered (single-page apps)', () => {
  it('moves above the anchor when it appears after the overlay, without a console warning afterwards', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { host } = mount({ anchor: '#composer' });
    await expectBottomRight(host);
    expect(warn).toHaveBeenCalledTimes(1);
    await nextFrame();
    const anchor = anchorAt({ top: 420, left: 30, width: 300 });
    await expectAbove(host, anchor);
    expect(host.style.maxWidth).toBe('300px');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('follows a re-render that replaces the anchor with a new element matching the same selector', async () => {
    const first = anchorAt({ top: 500, left: 40, width: 320 });
    const { host } = mount({ anchor: '#composer' });
    await expectAbove(host, first);
    first.remove();
    const second = anchorAt({ top: 260, left: 120, width: 240 });
    await expectAbove(host, second);
    expect(host.style.maxWidth).toBe('240px');
    // And once more, swapped in place in one go (replaceWith), as a framework's keyed re-render does.
    const third = document.createElement('textarea');
    third.id = 'composer';
    third.style.cssText = `${second.style.cssText};top:330px;left:60px`;
    second.replaceWith(third);
    added.push(third);
    await expectAbove(host, third);
  });

  it('follows the selector to another element when its element stops matching it', async () => {
    const first = anchorAt({ top: 500, left: 40, width: 320 });
    const { host } = mount({ anchor: '#composer' });
    await expectAbove(host, first);
    first.id = 'old-composer';
    const second = anchorAt({ top: 300, left: 90, width: 260 });
    await expectAbove(host, second);
  });

  for (const form of ['selector', 'element'] as const) {
    it(`goes back to the bottom right when the anchor (${form}) is removed, and returns when it is added again`, async () => {
      const anchor = anchorAt({ top: 450, left: 50, width: 280 });
      const { host } = mount({ anchor: form === 'selector' ? '#composer' : anchor });
      await expectAbove(host, anchor);
      anchor.remove();
      await expectBottomRight(host);
      expect(host.style.maxWidth).toBe('');
      await nextFrame();
      document.body.append(anchor);
      await expectAbove(host, anchor);
    });
  }

  it('goes back to the bottom right while the anchor is hidden (display: none), and returns when it shows', async () => {
    const anchor = anchorAt({ top: 450, left: 50, width: 280 });
    const { host } = mount({ anchor: '#composer' });
    await expectAbove(host, anchor);
    anchor.style.display = 'none';
    await expectBottomRight(host);
    anchor.style.display = 'block';
    await expectAbove(host, anchor);
  });

  it('follows the anchor when it is moved to another place in the page (same element, same size)', async () => {
    const top = add(document.createElement('div'));
    top.style.cssText = 'position:fixed;top:100px;left:100px;width:300px';
    const bottom = add(document.createElement('div'));
    bottom.style.cssText = 'position:fixed;top:500px;left:20px;width:300px';
    const anchor = document.createElement('textarea');
    anchor.id = 'composer';
    anchor.style.cssText = 'display:block;margin:0;width:280px;height:60px';
    bottom.append(anchor);
    const { host } = mount({ anchor: '#composer' });
    await expectAbove(host, anchor);
    top.append(anchor);
    await expectAbove(host, anchor);
    expect(host.getBoundingClientRect().bottom).toBeCloseTo(100 - GAP_PX, 0);
  });

  it('follows the anchor when content added before it pushes it down, or a transition moves it', async () => {
    const column = add(document.createElement('div'));
    column.style.cssText = 'position:fixed;top:100px;left:20px;width:300px;transition:margin-top 30ms';
    const anchor = document.createElement('textarea');
    anchor.style.cssText = 'display:block;margin:0;width:280px;height:60px';
    column.append(anchor);
    const { host } = mount({ anchor });
    await expectAbove(host, anchor);
    const banner = document.createElement('div');
    banner.style.height = '150px';
    column.prepend(banner);
    await expectAbove(host, anchor);
    expect(anchor.getBoundingClientRect().top).toBeCloseTo(250, 0);
    const ended = new Promise((resolve) => column.addEventListener('transitionend', resolve, { once: true }));
    column.style.marginTop = '100px';
    await ended;
    await expectAbove(host, anchor);
    expect(anchor.getBoundingClientRect().top).toBeCloseTo(350, 0);
  });

  it('stays cheap on a busy page: no query while the anchor is in place, at most one check per frame', async () => {
    const anchor = anchorAt({ top: 450, left: 50, width: 280 });
    const { host } = mount({ anchor: '#composer' });
    await expectAbove(host, anchor);
    await nextFrame();
    const query = vi.spyOn(document, 'querySelector');
    const rect = vi.spyOn(anchor, 'getBoundingClientRect');
    const feed = add(document.createElement('ul'));
    for (let i = 0; i < 500; i++) feed.append(document.createElement('li'));
    await Promise.resolve();
    for (let i = 0; i < 500; i++) feed.append(document.createElement('li'));
    await nextFrame();
    expect(query).not.toHaveBeenCalled();
    expect(rect.mock.calls.length).toBeGreaterThan(0);
    expect(rect.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('disconnects its observers and listeners when destroyed', async () => {
    const mutations = vi.spyOn(MutationObserver.prototype, 'disconnect');
    const resizes = vi.spyOn(ResizeObserver.prototype, 'disconnect');
    const removed = vi.spyOn(window, 'removeEventListener');
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { handle, host } = mount({ anchor: '#composer' });
    handle.destroy();
    expect(mutations).toHaveBeenCalled();
    expect(resizes).toHaveBeenCalled();
    expect(removed.mock.calls.map(([type]) => type).sort()).toStrictEqual(
      ['resize', 'scroll', 'transitionend'].sort(),
    );
    const query = vi.spyOn(document, 'querySelector');
    anchorAt({ top: 300, left: 10, width: 250 });
    await nextFrame();
    await nextFrame();
    expect(query).not.toHaveBeenCalled();
    expect(host.style.right).toBe('16px');
  });
});

describe('mountOverlay: focus after sign-in', () => {
  /** A sign-in that completes at the first redeem; as the instance does, the overlay is destroyed then. */
  function signingIn(overrides: Partial<OverlayContext> = {}) {
    stubOpen();
    const fake = api(
      () => attempt(),
      () => json(200, { status: 'signed_in', session }),
    );
    const overlay: ReturnType<typeof mount> = mount({
      send: fake.send,
      onSignedIn: () => overlay.handle.destroy(),
      ...overrides,
    });
    return overlay;
  }

  it('returns focus to the element that had it before the agent pressed the button (keyboard)', async () => {
    const field = add(document.createElement('input'));
    field.focus();
    const { host, root, button } = signingIn();
    await userEvent.tab();
    expect(root.activeElement).toBe(button());
    await userEvent.keyboard('{Enter}');
    await vi.waitFor(() => expect(host.isConnected).toBe(false));
    expect(document.activeElement).toBe(field);
  });

  it('returns focus to the element that had it before the agent clicked the button', async () => {
    const anchor = anchorAt({ top: 400, left: 20, width: 300 });
    const other = add(document.createElement('input'));
    other.focus();
    const { host, button } = signingIn({ anchor });
    await userEvent.click(button());
    await vi.waitFor(() => expect(host.isConnected).toBe(false));
    expect(document.activeElement).toBe(other);
  });

  it('focuses the anchor when that element is gone, and leaves focus alone when it is not in the overlay', async () => {
    const anchor = anchorAt({ top: 400, left: 20, width: 300 });
    const field = add(document.createElement('input'));
    field.focus();
    const first = signingIn({ anchor: '#composer' });
    await userEvent.tab();
    field.remove();
    await userEvent.keyboard('{Enter}');
    await vi.waitFor(() => expect(first.host.isConnected).toBe(false));
    expect(document.activeElement).toBe(anchor);

    const elsewhere = add(document.createElement('input'));
    const second = signingIn({ anchor: '#composer' });
    second.button().focus();
    second.button().click();
    elsewhere.focus();
    await vi.waitFor(() => expect(second.host.isConnected).toBe(false));
    expect(document.activeElement).toBe(elsewhere);
  });
});

describe('mountOverlay: what login() met before it, on the console', () => {
  const ORIGIN = location.origin;
  const cases = [
    [
      { code: 'origin_not_allowed', message: 'The origin X may not use tenant "demo"' },
      `deskgate: origin_not_allowed: The origin X may not use tenant "demo". Check the tenant code ("demo"), and have an operator allow this page's origin: deskgate tenant set demo --add-origin ${ORIGIN}`,
      false,
    ],
    [
      { code: 'tenant_not_found', message: 'There is no tenant "demo"' },
      'deskgate: tenant_not_found: There is no tenant "demo". Check the tenant code given to deskgate (data-tenant or the tenant option): "demo".',
      false,
    ],
    [
      { code: 'signed_user_info_required', message: 'Only platform tokens' },
      'deskgate: signed_user_info_required: Only platform tokens. Pass signedUserInfo (docs/platform-jwt.md).',
      false,
    ],
    [
      { code: 'network_error', message: 'Failed to fetch' },
      `deskgate: network_error: could not reach ${API} (Failed to fetch). Check apiUrl, that the API is running, and that this page's Content-Security-Policy allows connect-src ${API}.`,
      true,
    ],
  ] as const;
  for (const [problem, line, button] of cases) {
    it(`${problem.code}: says what to check${button ? ', and still offers sign-in' : ', and offers no sign-in'}`, () => {
      const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { root } = mount({ problem });
      expect(consoleError.mock.calls).toStrictEqual([[line]]);
      expect(!!root.querySelector('button')).toBe(button);
    });
  }

  it('says nothing for other errors (rate_limited) and without one', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    mount({ problem: { code: 'rate_limited', message: 'slow down' } });
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('mountOverlay: isolation from the host page', () => {
  it("lives in an open shadow root styled by an adopted stylesheet, untouched by the page's CSS", () => {
    const pageStyle = add(document.createElement('style'));
    pageStyle.textContent =
      'body{color:rgb(255,0,0);font-family:serif} button{display:none!important} section{padding:40px!important}';
    const { root, button, region } = mount();
    expect(root.mode).toBe('open');
    expect(root.adoptedStyleSheets).toHaveLength(1);
    expect(
      root.querySelector('style'),
      'no <style> element (a strict style-src CSP would block it)',
    ).toBeNull();
    expect(button().getBoundingClientRect().width).toBeGreaterThan(0);
    expect(getComputedStyle(region()).color).toBe('rgb(31, 35, 40)');
    expect(getComputedStyle(region()).padding).toBe('12px');
  });
});

describe('mountOverlay: keyboard', () => {
  it('is reached with Tab from the page and started with Enter, keeping focus on the button', async () => {
    const open = stubOpen();
    const before = add(document.createElement('input'));
    before.focus();
    const { host, root, button } = mount();
    await userEvent.tab();
    expect(document.activeElement).toBe(host);
    expect(root.activeElement).toBe(button());
    await userEvent.keyboard('{Enter}');
    expect(open).toHaveBeenCalledTimes(1);
    expect(open.mock.calls[0]?.slice(0, 2)).toStrictEqual(['about:blank', 'deskgate-signin']);
    await vi.waitFor(() => expect(button().textContent).toBe('Open the sign-in window'));
    expect(root.activeElement, 'focus stays on the button across the re-render').toBe(button());
  });

  it('is started with Space as well', async () => {
    const open = stubOpen();
    const { button } = mount();
    button().focus();
    await userEvent.keyboard(' ');
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('announces its status politely, in a labelled region', () => {
    const { status, region } = mount();
    expect(status().getAttribute('aria-live')).toBe('polite');
    expect(region().getAttribute('aria-label')).toBe('Deepdesk sign-in');
  });
});

describe('mountOverlay: states, in both locales', () => {
  const text = {
    'en-US': {
      signIn: 'Sign in to Acme Assist',
      region: 'Acme Assist sign-in',
      waiting: 'Waiting for the sign-in window…',
      open: 'Open the sign-in window',
      confirm: 'Type this code in the sign-in window to finish signing in: K7Q-X2M',
      blocked: 'Your browser blocked the sign-in window.',
      error: 'Something went wrong while signing in.',
      expired: 'The sign-in attempt expired.',
      locked: 'Too many wrong codes were typed, so this sign-in was stopped.',
      limited: 'Too many sign-in attempts in a short time. Wait a moment and try again.',
      retry: 'Try again',
      unavailable: 'Signing in to Acme Assist is not set up for this page. Please tell your administrator.',
    },
    'nl-NL': {
      signIn: 'Aanmelden bij Acme Assist',
      region: 'Acme Assist aanmelden',
      waiting: 'Wachten op het aanmeldvenster…',
      open: 'Aanmeldvenster openen',
      confirm: 'Typ deze code in het aanmeldvenster om je aanmelding af te ronden: K7Q-X2M',
      blocked: 'Je browser heeft het aanmeldvenster geblokkeerd.',
      error: 'Er ging iets mis bij het aanmelden.',
      expired: 'De aanmeldpoging is verlopen.',
      locked: 'Er zijn te veel verkeerde codes getypt, daarom is deze aanmelding gestopt.',
      limited: 'Te veel aanmeldpogingen in korte tijd. Wacht even en probeer het opnieuw.',
      retry: 'Opnieuw proberen',
      unavailable:
        'Aanmelden bij Acme Assist is voor deze pagina niet ingesteld. Laat het je beheerder weten.',
    },
  } as const satisfies Record<Locale, Record<string, string>>;

  for (const locale of ['en-US', 'nl-NL'] as const) {
    const t = text[locale];
    const mountIn = (overrides: Partial<OverlayContext> = {}) =>
      mount({ locale, productName: 'Acme Assist', ...overrides });

    describe(locale, () => {
      it('offers to sign in, with the product name, in a region of that language', () => {
        const { host, button, status, region } = mountIn();
        expect(host.lang).toBe(locale);
        expect(button().textContent).toBe(t.signIn);
        expect(region().getAttribute('aria-label')).toBe(t.region);
        expect(status().textContent).toBe('');
      });

      it('offers no sign-in on a page that is not set up for the tenant, and says whom to tell', () => {
        vi.spyOn(console, 'error').mockImplementation(() => {});
        const problem = { code: 'origin_not_allowed', message: 'not allowed' } as const;
        const { root, status, region } = mountIn({ problem });
        expect(root.querySelector('button'), 'no button that could only fail').toBe(null);
        expect(status().textContent).toBe(t.unavailable);
        expect(region().getAttribute('aria-label')).toBe(t.region);
      });

      it('waits for the sign-in window once pressed', async () => {
        stubOpen();
        const { button, status } = mountIn();
        button().click();
        expect(status().textContent).toBe(t.waiting);
        expect(button().textContent).toBe(t.open);
      });

      it('asks to type the code in the sign-in window, showing it large, selectable and announced', async () => {
        stubOpen();
        const fake = api(
          () => attempt(),
          () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q-X2M' }),
        );
        const { button, status, root } = mountIn({ send: fake.send });
        button().click();
        await vi.waitFor(() => expect(status().textContent).toBe(t.confirm));
        expect(button().textContent).toBe(t.open);
        const code = root.querySelector<HTMLElement>('[part="code"]')!;
        expect(code.textContent).toBe('K7Q-X2M');
        expect(code.tagName).toBe('STRONG');
        expect(code.closest('[aria-live="polite"]'), 'read out with the sentence that labels it').toBe(
          status(),
        );
        expect(getComputedStyle(code).display, 'on a line of its own').toBe('block');
        expect(parseFloat(getComputedStyle(code).fontSize)).toBeGreaterThan(
          parseFloat(getComputedStyle(status()).fontSize),
        );
        expect(getComputedStyle(code).userSelect).toBe('all');
        const selection = getSelection()!;
        selection.selectAllChildren(code);
        expect(selection.toString()).toBe('K7Q-X2M');
        selection.removeAllRanges();
      });

      it('never wraps the code, not even at its hyphen in a narrow overlay', async () => {
        stubOpen();
        const fake = api(
          () => attempt(),
          () => json(200, { status: 'confirmation_required', confirmationCode: 'K7Q-X2M' }),
        );
        const { button, host, root } = mountIn({ send: fake.send });
        host.style.width = '60px';
        button().click();
        const code = await vi.waitFor(() => {
          const found = root.querySelector<HTMLElement>('[part="code"]');
          if (!found) throw new Error('no code shown yet');
          return found;
        });
        const range = document.createRange();
        range.selectNodeContents(code);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        expect(lines.size, 'the code is laid out on one line').toBe(1);
        expect(getComputedStyle(code).whiteSpace).toBe('nowrap');
      });

      it('says so when the browser blocked the sign-in window', () => {
        stubOpen('blocked');
        const { button, status } = mountIn();
        button().click();
        expect(status().textContent).toBe(t.blocked);
        expect(button().textContent).toBe(t.open);
      });

      it('shows the error state, reports the code, and tries again from the button', async () => {
        const open = stubOpen();
        const fake = api(() => json(403, { error: { code: 'origin_not_allowed', message: 'nope' } }));
        const { button, status, errors } = mountIn({ send: fake.send });
        button().click();
        await vi.waitFor(() => expect(status().textContent).toBe(t.error));
        expect(button().textContent).toBe(t.retry);
        expect(errors.map((e) => e.code)).toStrictEqual(['origin_not_allowed']);
        button().click();
        expect(open).toHaveBeenCalledTimes(2);
        expect(status().textContent).toBe(t.waiting);
      });

      it('shows the locked state when too many wrong codes were typed, and starts afresh from the button', async () => {
        const open = stubOpen();
        const fake = api(
          () => attempt(),
          () => json(410, { error: { code: 'attempt_locked', message: 'locked' } }),
        );
        const { button, status, errors } = mountIn({ send: fake.send });
        button().click();
        await vi.waitFor(() => expect(status().textContent).toBe(t.locked));
        expect(button().textContent).toBe(t.retry);
        expect(errors.map((e) => e.code)).toStrictEqual(['attempt_locked']);
        button().click();
        expect(open).toHaveBeenCalledTimes(2);
        expect(status().textContent).toBe(t.waiting);
      });

      it('asks to wait when starting a sign-in is rate limited', async () => {
        stubOpen();
        const fake = api(() => json(429, { error: { code: 'rate_limited', message: 'slow down' } }));
        const { button, status, errors } = mountIn({ send: fake.send });
        button().click();
        await vi.waitFor(() => expect(status().textContent).toBe(t.limited));
        expect(button().textContent).toBe(t.retry);
        expect(errors.map((e) => e.code)).toStrictEqual(['rate_limited']);
      });

      it('shows the expired state when the attempt runs out', async () => {
        stubOpen();
        const fake = api(() => attempt({ expiresAt: new Date(Date.now() + 150).toISOString() }));
        const { button, status, errors } = mountIn({ send: fake.send });
        button().click();
        await vi.waitFor(() => expect(status().textContent).toBe(t.expired));
        expect(button().textContent).toBe(t.retry);
        expect(errors.map((e) => e.code)).toStrictEqual(['attempt_expired']);
      });
    });
  }

  it('hands the session over and closes the sign-in window when the attempt is redeemed', async () => {
    const popups: FakePopup[] = [];
    vi.spyOn(window, 'open').mockImplementation(() => {
      const popup = new FakePopup();
      popups.push(popup);
      return popup as unknown as Window;
    });
    const fake = api(
      () => attempt(),
      () => json(200, { status: 'signed_in', session }),
    );
    const { button, signedIn } = mount({ send: fake.send });
    button().click();
    await vi.waitFor(() => expect(signedIn).toStrictEqual([session]));
    expect(popups[0]?.closed).toBe(true);
    expect(popups[0]?.location.href).toBe(`${API}/t/demo/auth/signin?attempt=att1`);
  });
});
