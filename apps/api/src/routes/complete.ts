// The popup's last steps: the completion page hands the proof to the opener, else the agent types the code.
import {
  type AttemptRecord,
  attemptProof,
  DeskgateError,
  isAttemptLocked,
  MAX_CONFIRM_FAILURES,
  normalizeConfirmationCode,
  type TenantConfig,
  timingSafeEqual,
} from '@deskgate/core';
import { MESSAGE_ATTEMPT_COMPLETE, PROTOCOL_VERSION, paths } from '@deskgate/protocol';
import { type Context, Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { requireBinding } from '../http/binding.ts';
import { pageLocale } from '../http/locale.ts';
import { requireSameOrigin } from '../http/navigation.ts';
import { formBody, params, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { type Locale, messages } from '../pages/messages.ts';
import { escapeHtml, fill, layout } from '../pages/render.ts';
import { errorResponses, htmlPage, PageLocale, queryText, TENANT_ERRORS } from '../schemas/common.ts';
import type { Services } from './context.ts';

const CompleteQuery = v.object({
  attempt: queryText('The completed attempt; without one the page answers attempt_not_found'),
  locale: PageLocale,
});
const ConfirmPath = v.object({ id: v.string('must be an attempt id') });
const ConfirmQuery = v.object({ locale: PageLocale });
const ConfirmForm = v.object({
  code: v.pipe(
    v.string('must be the code the overlay shows, such as K7Q-X2M'),
    v.maxLength(32),
    v.description('The code the agent reads in their own overlay and types here'),
  ),
});

/** What the completion page and its confirmation answer for an attempt that is not theirs to show. */
const COMPLETED_ATTEMPT_ERRORS = [
  ...TENANT_ERRORS,
  'validation_failed',
  'rate_limited',
  'attempt_not_found',
  'sso_browser_mismatch',
  'attempt_expired',
  'attempt_locked',
] as const;

export function completeRoutes({ deps, limits, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };

  /**
   * A completed attempt of this browser and the page language it decides (error pages from here on speak
   * it too); anything else is an error page.
   */
  async function completedAttempt(c: Context<AppEnv>, tenant: TenantConfig, id: string | undefined) {
    const attempt = id ? await deps.store.getAttempt(tenant.code, id) : undefined;
    if (!attempt || attempt.completedAt === null)
      throw new DeskgateError('attempt_not_found', 'No completed sign-in here');
    const locale = pageLocale(c, attempt.locale);
    // A magic link may be opened in another browser or on another device: there the sign-in finishes only
    // by the code the starter's overlay shows, never by the proof (D9). Every other method stays in the
    // browser that started it.
    const bound = await requireBinding(c, attempt.bindingDigest).then(
      () => true,
      (error: unknown) => {
        if (attempt.method === 'magic_link') return false;
        throw error;
      },
    );
    return { attempt, locale, bound };
  }

  function checkOpen(attempt: AttemptRecord) {
    if (isAttemptLocked(attempt))
      throw new DeskgateError('attempt_locked', 'Too many wrong codes; this sign-in was stopped');
    if (deps.now() >= attempt.expiresAt)
      throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
  }

  /**
   * The completion page's body: the proof for the opener (fast path), and the form in which the agent
   * types the code their own overlay shows. The page never shows the code: a sign-in that some other page
   * or person started cannot be released by clicking, only by typing a code only that starter has.
   */
  async function completionBody(
    tenant: TenantConfig,
    attempt: AttemptRecord,
    locale: Locale,
    bound: boolean,
    alert?: string,
  ) {
    const m = messages(locale);
    const data = {
      type: MESSAGE_ATTEMPT_COMPLETE,
      v: PROTOCOL_VERSION,
      attemptId: attempt.id,
      proof: await attemptProof(deps.keys.attemptProof, attempt.id),
      origin: attempt.origin,
    };
    // JSON in a non-executable script element; `<` is escaped so the data can never close the element.
    const json = JSON.stringify(data).replace(/</g, '\\u003c');
    const action = `${paths.attemptConfirm(tenant.code, attempt.id)}?locale=${locale}`;
    // Another browser (a magic link opened elsewhere) gets no proof: only the code can finish it there.
    return `${bound ? `<script type="application/json" id="deskgate-data">${json}</script>\n` : ''}<div id="done" hidden><p>${fill(m.completeDone, product)}</p></div>
<form id="confirm" method="post" action="${escapeHtml(action)}">
<p>${fill(m.confirmLead, product)}</p>
${alert ?? ''}<label for="code">${fill(m.confirmLabel, product)}</label>
<input id="code" name="code" class="code-input" required maxlength="16" autocomplete="off" autocapitalize="characters" spellcheck="false" aria-describedby="confirm-warning" data-guard>
<button class="button" type="submit" data-guard>${escapeHtml(m.confirmButton)}</button>
<p class="muted" id="confirm-warning">${fill(m.confirmWarning, product)}</p>
</form>`;
  }

  app.get(
    '/complete',
    describeRoute({
      operationId: 'completionPage',
      tags: ['hosted pages'],
      summary: 'Hosted completion page: posts the proof to the opener, else asks the agent to type the code',
      responses: {
        200: htmlPage('Completion page (runs /assets/pages.js)'),
        ...errorResponses(COMPLETED_ATTEMPT_ERRORS, { html: true }),
      },
    }),
    page,
    limits.requests('pages.ip', 'ip'),
    query(CompleteQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const { attempt, locale, bound } = await completedAttempt(c, tenant, c.req.valid('query').attempt);
      const m = messages(locale);
      if (attempt.redeemedAt !== null || attempt.confirmedAt !== null) {
        return c.html(layout(locale, m.completeTitle, `<p>${fill(m.completeDone, product)}</p>`));
      }
      checkOpen(attempt);
      return c.html(layout(locale, m.completeTitle, await completionBody(tenant, attempt, locale, bound)));
    },
  );

  app.post(
    '/attempts/:id/confirm',
    describeRoute({
      operationId: 'confirmAttempt',
      tags: ['hosted pages'],
      summary: 'Hosted form: the agent types the code their overlay shows (same-origin only)',
      description: `A wrong code answers the form again (400 confirmation_code_mismatch); the ${MAX_CONFIRM_FAILURES}th wrong code burns the attempt (attempt_locked), and the SDK's next poll reports it.`,
      responses: {
        200: htmlPage('Confirmed page, or: already confirmed'),
        ...errorResponses(
          [
            ...COMPLETED_ATTEMPT_ERRORS,
            'confirmation_code_mismatch',
            'attempt_already_redeemed',
            'body_too_large',
          ],
          { html: true },
        ),
      },
    }),
    page,
    params(ConfirmPath),
    query(ConfirmQuery),
    // A same-origin form post from our completion page; anything else is a cross-site request.
    requireSameOrigin(new URL(deps.publicUrl).origin, 'Confirm from the sign-in window'),
    limits.requests('confirm.ip', 'ip'),
    formBody(ConfirmForm),
    async (c) => {
      const tenant = c.get('tenant');
      const { attempt, locale } = await completedAttempt(c, tenant, c.req.valid('param').id);
      const m = messages(locale);
      // Say what really happened to an attempt that is past confirming.
      if (attempt.redeemedAt !== null)
        throw new DeskgateError('attempt_already_redeemed', 'This sign-in was already used');
      checkOpen(attempt);
      if (attempt.confirmedAt !== null) {
        return c.html(layout(locale, m.confirmedTitle, `<p>${fill(m.alreadyConfirmed, product)}</p>`));
      }
      const typed = normalizeConfirmationCode(c.req.valid('form').code);
      if (!typed || !timingSafeEqual(typed, attempt.confirmationCode)) {
        const failures = await deps.store.failAttemptConfirmation(attempt.id);
        c.get('log').info({ code: 'confirmation_code_mismatch', failures }, 'wrong confirmation code');
        if (failures >= MAX_CONFIRM_FAILURES)
          throw new DeskgateError('attempt_locked', 'Too many wrong codes; this sign-in was stopped');
        const alert = `<p role="alert" class="alert" data-error-code="confirmation_code_mismatch">${fill(
          m.confirmMismatch,
          { tries: String(MAX_CONFIRM_FAILURES - failures) },
        )}</p>\n`;
        // The form again, without the hand-off: a page that reached the form is not on the fast path, and
        // an error answer carries no secret (the proof).
        return c.html(
          layout(locale, m.completeTitle, await completionBody(tenant, attempt, locale, false, alert)),
          400,
        );
      }
      await deps.store.confirmAttempt(attempt.id, deps.now());
      return c.html(layout(locale, m.confirmedTitle, `<p data-closes>${fill(m.completeDone, product)}</p>`));
    },
  );

  return app;
}
