// The mailbox page: every captured message, newest first, with its links clickable. Everything is escaped.
import type { CapturedMail } from './server.ts';

/** Nothing but the inline style runs on the page, whatever a message holds. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: 14px 24px; display: flex; gap: 16px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header a { color: #c9d4ff; }
  main { max-width: 920px; margin: 0 auto; padding: 16px 24px 48px; }
  .state { padding: 8px 12px; border-radius: 6px; background: #fff1d6; margin: 0 0 16px; }
  .empty { color: #5b6475; }
  article { background: #fff; border: 1px solid #d9dde5; border-radius: 8px; padding: 14px 18px; margin: 0 0 14px; }
  article h2 { font-size: 16px; margin: 0 0 4px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 10px; color: #5b6475; font-size: 13px; }
  dd { margin: 0; overflow-wrap: anywhere; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f7f8fa; padding: 10px; border-radius: 6px; margin: 0 0 10px; font-size: 13px; }
  ul { margin: 0; padding-left: 20px; }
  li a { overflow-wrap: anywhere; }
`;

function message(mail: CapturedMail): string {
  const links = mail.links.length
    ? `<ul>${mail.links
        .map(
          (link) =>
            `<li><a href="${escapeHtml(link)}" target="_blank" rel="noreferrer">${escapeHtml(link)}</a></li>`,
        )
        .join('')}</ul>`
    : '<p class="empty">No links.</p>';
  return `<article data-mail-id="${escapeHtml(mail.id)}">
  <h2>${escapeHtml(mail.subject || '(no subject)')}</h2>
  <dl>
    <dt>To</dt><dd>${escapeHtml(mail.to.join(', '))}</dd>
    <dt>From</dt><dd>${escapeHtml(mail.from)}</dd>
    <dt>Received</dt><dd><time datetime="${escapeHtml(mail.receivedAt)}">${escapeHtml(mail.receivedAt)}</time></dd>
  </dl>
  <pre>${escapeHtml(mail.text || '(no text part)')}</pre>
  ${links}
</article>`;
}

/** The page: `newestFirst` in that order. */
export function mailboxPage(newestFirst: readonly CapturedMail[], accepting: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Captured mail (${newestFirst.length})</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Captured mail</h1><a href="/">Refresh</a><a href="/messages.json">JSON</a></header>
<main>
${accepting ? '' : '<p class="state" role="status">The SMTP server is refusing mail (simulated outage).</p>'}
${newestFirst.length ? newestFirst.map(message).join('\n') : '<p class="empty">No mail yet.</p>'}
</main>
</body>
</html>
`;
}
