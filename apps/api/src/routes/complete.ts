// The popup's last steps: the completion page hands the proof to the opener, else the agent confirms the code.
import { attemptProof, DeskgateError } from '@deskgate/core';
import { MESSAGE_ATTEMPT_COMPLETE, PROTOCOL_VERSION, paths } from '@deskgate/protocol';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import * as v from 'valibot';
import type { AppEnv } from '../deps.ts';
import { requireBinding } from '../http/binding.ts';
import { isSameOriginRequest } from '../http/tenant.ts';
import { params, query } from '../http/validation.ts';
import { pageHeaders } from '../pages/headers.ts';
import { messages, pickLocale } from '../pages/messages.ts';
import { escapeHtml, fill, layout } from '../pages/render.ts';
import { errorResponses, htmlPage, PageLocale, queryText, TENANT_ERRORS } from '../schemas/common.ts';
import type { Services } from './context.ts';

const CompleteQuery = v.object({
  attempt: queryText('The completed attempt; without one the page answers attempt_not_found'),
  locale: PageLocale,
});
const ConfirmPath = v.object({ id: v.string('must be an attempt id') });
const ConfirmQuery = v.object({ locale: PageLocale });

/** What the completion page and its confirmation answer for an attempt that is not theirs to show. */
const COMPLETED_ATTEMPT_ERRORS = errorResponses(
  [...TENANT_ERRORS, 'validation_failed', 'attempt_not_found', 'sso_browser_mismatch', 'attempt_expired'],
  { html: true },
);

export function completeRoutes({ deps, productName }: Services) {
  const app = new Hono<AppEnv>();
  const page = pageHeaders();
  const product = { product: productName };

  app.get(
    '/complete',
    describeRoute({
      operationId: 'completionPage',
      tags: ['hosted pages'],
      summary: 'Hosted completion page: posts the proof to the opener, else asks to confirm the code',
      responses: {
        200: htmlPage('Completion page (runs /assets/complete.js)'),
        ...COMPLETED_ATTEMPT_ERRORS,
      },
    }),
    page,
    query(CompleteQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const { attempt: id, locale: requested } = c.req.valid('query');
      const locale = pickLocale(requested, c.req.header('accept-language'));
      const m = messages(locale);
      const attempt = id ? await deps.store.getAttempt(tenant.code, id) : undefined;
      if (!attempt || attempt.completedAt === null)
        throw new DeskgateError('attempt_not_found', 'No completed sign-in here');
      await requireBinding(c, attempt.bindingDigest);
      const done = `<p>${fill(m.completeDone, product)}</p>`;
      if (attempt.redeemedAt !== null || attempt.confirmedAt !== null) {
        return c.html(layout(locale, m.completeTitle, done));
      }
      if (deps.now() >= attempt.expiresAt)
        throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
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
      const body = `<script type="application/json" id="deskgate-data">${json}</script>
<div id="done" hidden>${done}</div>
<form id="confirm" method="post" action="${escapeHtml(action)}">
<p>${fill(m.confirmLead, product)}</p>
<p class="code" data-confirmation-code>${escapeHtml(attempt.confirmationCode)}</p>
<button class="button" type="submit">${escapeHtml(m.confirmButton)}</button>
<p class="muted">${fill(m.confirmWarning, product)}</p>
</form>`;
      return c.html(layout(locale, m.completeTitle, body, { script: true }));
    },
  );

  app.post(
    '/attempts/:id/confirm',
    describeRoute({
      operationId: 'confirmAttempt',
      tags: ['hosted pages'],
      summary: 'Hosted form: the agent confirms the code on the completion page (same-origin only)',
      responses: {
        200: htmlPage('Confirmed page'),
        ...COMPLETED_ATTEMPT_ERRORS,
      },
    }),
    page,
    params(ConfirmPath),
    query(ConfirmQuery),
    async (c) => {
      const tenant = c.get('tenant');
      const locale = pickLocale(c.req.valid('query').locale, c.req.header('accept-language'));
      // A same-origin form post from our completion page; anything else is a cross-site request.
      if (!isSameOriginRequest(c, new URL(deps.publicUrl).origin)) {
        throw new DeskgateError('origin_not_allowed', 'Confirm from the sign-in window');
      }
      const attempt = await deps.store.getAttempt(tenant.code, c.req.valid('param').id);
      if (!attempt || attempt.completedAt === null)
        throw new DeskgateError('attempt_not_found', 'No completed sign-in here');
      await requireBinding(c, attempt.bindingDigest);
      if (deps.now() >= attempt.expiresAt)
        throw new DeskgateError('attempt_expired', 'This sign-in attempt has expired');
      await deps.store.confirmAttempt(attempt.id, deps.now());
      const m = messages(locale);
      return c.html(layout(locale, m.confirmedTitle, `<p>${fill(m.completeDone, product)}</p>`));
    },
  );

  return app;
}
