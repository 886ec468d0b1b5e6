// The dev IdP's HTML: sign-in form, error and sign-out pages. Self-contained, no external resources.

/** Sent with every page: nothing may load from elsewhere and nobody may frame the sign-in form. */
// No form-action: browsers apply it to the redirects after a POST, which end at the relying party.
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  body { font: 16px/1.4 system-ui, sans-serif; background: #eef1f5; color: #1d2430; margin: 0; }
  main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: 8px;
         box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  p.sub { margin: 0 0 1.5rem; color: #5a6475; font-size: .9rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; border: 1px solid #9aa3b2;
          border-radius: 4px; }
  .actions { display: flex; gap: .5rem; margin-top: 1.5rem; }
  button { flex: 1; padding: .6rem; font: inherit; border-radius: 4px; border: 1px solid #2b5cd6; cursor: pointer; }
  button.primary { background: #2b5cd6; color: #fff; }
  button.secondary { background: #fff; color: #2b5cd6; }
  .error { background: #fdecec; color: #8a1414; border: 1px solid #f3b7b7; padding: .5rem .75rem;
           border-radius: 4px; }
  footer { text-align: center; color: #5a6475; font-size: .8rem; margin-top: 1rem; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<footer>Acme SSO is deskgate's development identity provider. Never use it in production.</footer>
</body>
</html>`;
}

export interface LoginPageInput {
  action: string;
  clientId: string;
  email?: string;
  error?: string;
}

/** The sign-in form; loginHeadless relies on the form's id, action and the field names. */
export function loginPage({ action, clientId, email = '', error }: LoginPageInput): string {
  const alert = error ? `<p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : '';
  return layout(
    'Sign in – Acme SSO',
    `<h1>Sign in to Acme SSO</h1>
<p class="sub">to continue to <strong>${escapeHtml(clientId)}</strong></p>
${alert}
<form id="login-form" method="post" action="${escapeHtml(action)}">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(email)}"${email ? '' : ' autofocus'}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${email ? ' autofocus' : ''}>
  <div class="actions">
    <button type="submit" class="primary" name="action" value="login">Sign in</button>
    <button type="submit" class="secondary" name="action" value="cancel" formnovalidate>Cancel</button>
  </div>
</form>`,
  );
}

export function messagePage(title: string, message: string, details: Record<string, string> = {}): string {
  const rows = Object.entries(details)
    .map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd><code>${escapeHtml(value)}</code></dd>`)
    .join('');
  return layout(
    `${title} – Acme SSO`,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
${rows ? `<dl>${rows}</dl>` : ''}`,
  );
}

/** oidc-provider hands us its own form (hidden xsrf field); our buttons submit it. */
export function logoutPage(host: string, form: string): string {
  return layout(
    'Sign out – Acme SSO',
    `<h1>Sign out of Acme SSO?</h1>
<p class="sub">You are signed in at ${escapeHtml(host)}.</p>
${form}
<div class="actions">
  <button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
  <button type="submit" class="secondary" form="op.logoutForm">No, stay signed in</button>
</div>`,
  );
}

export function indexPage(issuer: string): string {
  const discovery = `${issuer}/.well-known/openid-configuration`;
  return layout(
    'Acme SSO',
    `<h1>Acme SSO</h1>
<p class="sub">A development OpenID Provider.</p>
<p>Discovery: <a href="${escapeHtml(discovery)}">${escapeHtml(discovery)}</a></p>
<p><a href="${escapeHtml(`${issuer}/session/end`)}">Sign out of Acme SSO</a> (to sign in as someone else).</p>`,
  );
}
