// Every template in both locales: a subject, the link in both parts, the parameters escaped in the HTML.
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { LOCALES } from '../pages/messages.ts';
import { MAIL_TEMPLATES, type MailParams, type MailTemplate, renderMail } from './templates.ts';

const LINK = 'https://auth.example.com/t/acme/auth/magic-link?token=abc_DEF-123&x=1';
const BASE = { product: 'Deepdesk', tenantName: 'Acme & <Sons>' };

const PARAMS: { [T in MailTemplate]: MailParams[T] } = {
  'magic-link': { ...BASE, link: LINK, expiresMinutes: 10 },
  'access-request-confirm': { ...BASE, link: LINK },
  'access-request-notify': { ...BASE, requester: 'new.agent@example.com', link: LINK },
  'access-request-approved': { ...BASE },
  'access-request-rejected': { ...BASE },
};
const WITH_LINK = new Set<MailTemplate>(['magic-link', 'access-request-confirm', 'access-request-notify']);

function render<T extends MailTemplate>(template: T, locale: (typeof LOCALES)[number]) {
  return renderMail(template, locale, PARAMS[template]);
}

describe('renderMail', () => {
  for (const locale of LOCALES) {
    for (const template of MAIL_TEMPLATES) {
      it(`${template} (${locale}): a one-line subject, both parts, escaped parameters, no external resource`, () => {
        const mail = render(template, locale);
        assert.ok(mail.subject.length > 10);
        assert.doesNotMatch(mail.subject, /[\r\n]/);
        assert.ok(mail.subject.includes('Deepdesk'));
        assert.ok(mail.text.includes('Acme & <Sons>'), 'the text part is plain text');
        assert.ok(mail.html.includes('Acme &amp; &lt;Sons&gt;'), 'the HTML escapes parameters');
        assert.ok(!mail.html.includes('<Sons>'));
        assert.ok(mail.html.includes(`lang="${locale}"`));
        assert.doesNotMatch(mail.html, /<(img|script|link|iframe)\b|src=|url\(/i);
        if (WITH_LINK.has(template)) {
          assert.ok(mail.text.includes(`\n${LINK}\n`), 'the link on a line of its own in the text');
          const escaped = LINK.replace('&', '&amp;');
          assert.ok(mail.html.includes(`href="${escaped}"`), 'a button to the link');
          assert.ok(mail.html.includes(`>${escaped}</a>`), 'the link visible as text too');
        } else {
          assert.doesNotMatch(mail.text, /https?:/);
          assert.doesNotMatch(mail.html, /href=/);
        }
      });
    }
  }

  it('the magic link says it works once, for how long, and that it can be ignored', () => {
    const en = render('magic-link', 'en-US');
    assert.equal(en.subject, 'Your sign-in link for Deepdesk');
    assert.match(en.text, /works once, for 10 minutes/);
    assert.match(en.text, /If you did not ask to sign in, you can ignore this email/);
    const nl = render('magic-link', 'nl-NL');
    assert.equal(nl.subject, 'Je aanmeldlink voor Deepdesk');
    assert.match(nl.text, /werkt één keer, 10 minuten lang/);
    assert.match(nl.text, /kun je deze e-mail negeren/);
    assert.match(
      renderMail('magic-link', 'en-US', { ...PARAMS['magic-link'], expiresMinutes: 1 }).text,
      /for 1 minute\./,
    );
  });

  it('the approvers mail names the requester, escaped; the rejection is neutral', () => {
    const notify = renderMail('access-request-notify', 'en-US', {
      ...PARAMS['access-request-notify'],
      requester: '"evil"<b>@example.com',
    });
    assert.ok(notify.subject.startsWith('"evil"<b>@example.com asks for access'));
    assert.ok(notify.html.includes('&quot;evil&quot;&lt;b&gt;@example.com'));
    const rejected = render('access-request-rejected', 'en-US');
    assert.match(rejected.text, /was not approved/);
    assert.doesNotMatch(rejected.text, /reject|denied|refused/i);
  });

  it('the approval may carry a sign-in link', () => {
    const mail = renderMail('access-request-approved', 'nl-NL', {
      ...BASE,
      link: LINK,
      expiresMinutes: 15,
    });
    assert.ok(mail.text.includes(`\n${LINK}\n`));
    assert.match(mail.text, /15 minuten lang/);
  });

  it('refuses a link that is not an absolute http(s) URL, and a subject cannot break its line', () => {
    for (const link of ['javascript:alert(1)', '/t/acme/auth/x', 'data:text/html,hi'])
      assert.throws(() => renderMail('magic-link', 'en-US', { ...PARAMS['magic-link'], link }), TypeError);
    assert.throws(
      () => renderMail('magic-link', 'en-US', { ...PARAMS['magic-link'], expiresMinutes: 0 }),
      TypeError,
    );
    const mail = renderMail('access-request-notify', 'en-US', {
      ...PARAMS['access-request-notify'],
      requester: 'a@example.com\r\nBcc: victim@example.com',
    });
    assert.doesNotMatch(mail.subject, /[\r\n]/);
  });
});
