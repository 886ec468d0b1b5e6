// The overlay follows the agent's reply box (the SDK's anchor) as a single-page CX platform renders it: after
// the overlay appeared, then re-rendered as a new element (the demo's ?late-anchor=manual), without a reload. After
// signing in there, focus is back in the reply box rather than on <body>.
import type { Page } from '@playwright/test';
import { expect, test, ui, waitForAgentState } from './fixtures.ts';

/** The overlay host's bottom margin: the gap it keeps above the anchor (and the viewport's edge). */
const GAP_PX = 8;
/** The overlay's distance from the viewport's right and bottom edges without an anchor. */
const EDGE_PX = 16;

/** Where the overlay is, in one read of the page: 'above' the reply box, at the 'bottom-right', or its boxes. */
function placement(page: Page): Promise<string> {
  return page.evaluate(
    ({ gap, edge }) => {
      const overlay = document.querySelector('[data-deskgate-overlay]')?.getBoundingClientRect();
      const anchor = document.querySelector('#composer')?.getBoundingClientRect();
      if (!overlay?.height) return 'no overlay';
      const near = (a: number, b: number) => Math.abs(a - b) < 1;
      if (anchor && near(overlay.bottom, anchor.top - gap) && near(overlay.left, anchor.left)) return 'above';
      if (near(overlay.right, innerWidth - edge) && near(overlay.bottom, innerHeight - edge - gap))
        return 'bottom-right';
      const round = (r: DOMRect | undefined) => r && [r.left, r.top, r.right, r.bottom].map(Math.round);
      return JSON.stringify({ overlay: round(overlay), anchor: round(anchor) });
    },
    { gap: GAP_PX, edge: EDGE_PX },
  );
}

test('the overlay moves above a reply box rendered late, follows its re-render, and focus returns there after sign-in', async ({
  page,
  stack,
}) => {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await page.goto(`${stack.cxUrl}/?late-anchor=manual`);
  // Marks this document: a reload would lose it.
  await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
  const form = page.locator('#composer-form');
  const composer = page.locator('#composer');
  await waitForAgentState(page, 'signed-out');
  await ui.signInButton(page).waitFor();

  await expect(form, 'the overlay is shown before the demo renders the reply box').toHaveAttribute(
    'data-anchor',
    'absent',
  );
  await expect(composer).toHaveCount(0);
  await expect.poll(() => placement(page), 'no reply box yet: at the bottom right').toBe('bottom-right');
  expect(warnings.filter((w) => w.includes('matches no element'))).toStrictEqual([
    'deskgate: anchor "#composer" matches no element on this page yet; the sign-in overlay is shown at the bottom right until one appears.',
  ]);

  await page.evaluate(() => (window as unknown as { demoAnchorStep(): void }).demoAnchorStep());
  await expect(form).toHaveAttribute('data-anchor', 'inserted');
  await expect.poll(() => placement(page), 'the reply box appeared: just above it').toBe('above');
  const first = await composer.elementHandle();
  const firstTop = (await composer.boundingBox())?.y;

  await page.evaluate(() => (window as unknown as { demoAnchorStep(): void }).demoAnchorStep());
  await expect(form).toHaveAttribute('data-anchor', 'replaced');
  await expect.poll(() => placement(page), 'the reply box was re-rendered: above the new one').toBe('above');
  expect(await first?.evaluate((element) => element.isConnected), 'a new element replaced it').toBe(false);
  const secondTop = (await composer.boundingBox())?.y;
  expect(secondTop, 'the new reply box is taller, so its top (and the overlay) moved up').toBeLessThan(
    (firstTop ?? 0) - 20,
  );
  expect(await page.evaluate(() => '__sameDocument' in window), 'without a reload').toBe(true);

  // The agent was typing in the reply box, then pressed the overlay's button: after sign-in, focus is back.
  await composer.click();
  await stack.signInThroughPopup(page);
  await waitForAgentState(page, 'signed-in');
  await expect(ui.overlay(page)).toHaveCount(0);
  await expect(composer).toBeFocused();
});

test('at 400 px wide the demo stacks into one column and the overlay sits whole above the reply box', async ({
  page,
  stack,
}) => {
  await page.setViewportSize({ width: 400, height: 800 });
  await page.goto(stack.cxUrl);
  await ui.signInButton(page).waitFor();
  await expect.poll(() => placement(page)).toBe('above');
  const fits = await page.evaluate(() => {
    const box = document.querySelector('[data-deskgate-overlay]')!.getBoundingClientRect();
    return {
      inside: box.left >= 0 && box.right <= document.documentElement.clientWidth,
      noHorizontalScroll: document.documentElement.scrollWidth <= innerWidth,
    };
  });
  expect(fits).toStrictEqual({ inside: true, noHorizontalScroll: true });
  await expect(ui.signInButton(page)).toBeInViewport({ ratio: 1 });
});
