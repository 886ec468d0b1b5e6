// The agent desktop's HTML: plausible enough to show where the deskgate overlay lives in a real product.

export interface PageInput {
  /** Without a trailing slash. */
  apiUrl: string;
  tenant: string;
  locale?: string | undefined;
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const CONVERSATIONS = [
  {
    who: 'Jane Cooper',
    channel: 'WhatsApp',
    time: '09:41',
    preview: 'My order still has not arrived…',
    active: true,
  },
  { who: 'Ravi Patel', channel: 'Email', time: '09:12', preview: 'Can I change my delivery address?' },
  { who: 'Sofia Jansen', channel: 'Chat', time: '08:57', preview: 'Thanks, that worked!' },
  { who: 'Tom Becker', channel: 'Messenger', time: 'Yesterday', preview: 'Is the blue one back in stock?' },
];

const MESSAGES = [
  {
    from: 'customer',
    text: 'Hi, my order #4821 was supposed to arrive on Monday and it still has not.',
    time: '09:38',
  },
  {
    from: 'agent',
    text: 'Hello Jane, sorry to hear that! Let me look into order #4821 for you.',
    time: '09:39',
  },
  {
    from: 'agent',
    text: 'I can see it left our warehouse on Tuesday. It is with the courier now.',
    time: '09:40',
  },
  {
    from: 'customer',
    text: 'Okay. Can you tell me when it will be delivered? I am not home on Friday.',
    time: '09:41',
  },
];

export function renderPage({ apiUrl, tenant, locale }: PageInput): string {
  const sdkSrc = `${apiUrl}/sdk/deskgate.js`;
  const localeAttr = locale ? ` data-locale="${escapeHtml(locale)}"` : '';
  const conversations = CONVERSATIONS.map(
    (c) => `<li${c.active ? ' class="active" aria-current="true"' : ''}>
        <span class="who">${escapeHtml(c.who)} <small>${escapeHtml(c.time)}</small></span>
        <span class="preview">${escapeHtml(c.channel)} · ${escapeHtml(c.preview)}</span>
      </li>`,
  ).join('\n      ');
  const messages = MESSAGES.map(
    (m) =>
      `<li class="${m.from}">${escapeHtml(m.text)}<span class="meta">${
        m.from === 'customer' ? 'Jane Cooper' : 'Agent'
      } · ${escapeHtml(m.time)}</span></li>`,
  ).join('\n        ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Acme Contact Centre – Agent desktop</title>
<link rel="stylesheet" href="/demo.css">
<script src="/demo.js"></script>
<script src="${escapeHtml(sdkSrc)}" data-tenant="${escapeHtml(tenant)}" data-anchor="#composer"${localeAttr} async></script>
</head>
<body data-api-url="${escapeHtml(apiUrl)}" data-tenant="${escapeHtml(tenant)}">
<header class="topbar">
  <h1>Acme Contact Centre</h1>
  <span class="agent-chip" id="agent-chip"></span>
</header>
<div class="layout">
  <nav aria-label="Conversations">
    <h2>Conversations</h2>
    <ul>
      ${conversations}
    </ul>
  </nav>
  <main>
    <header class="conversation-header">
      <h2>Jane Cooper</h2>
      <p>WhatsApp · Order #4821 · waiting 3 min</p>
    </header>
    <ol class="messages" id="messages" aria-label="Conversation with Jane Cooper">
        ${messages}
    </ol>
    <form class="composer-bar" id="composer-form">
      <label for="composer" class="visually-hidden">Reply to Jane Cooper</label>
      <textarea id="composer" rows="3" placeholder="Type your reply…"></textarea>
      <button type="submit">Send</button>
    </form>
  </main>
  <aside aria-label="deskgate integration">
    <h2>Agent assist (deskgate)</h2>
    <p id="agent-status" role="status">Waiting for deskgate…</p>
    <p id="sdk-error" role="alert"></p>
    <div class="buttons">
      <button type="button" id="sign-out" class="secondary" disabled>Sign out</button>
      <button type="button" id="call-api">Call API</button>
    </div>
    <p id="api-status"></p>
    <pre id="api-result" aria-label="API response"></pre>
    <p class="note">This page loads the SDK with one script tag and allows only its own origin and the
      deskgate API in its Content-Security-Policy, as an integrating CX platform would.</p>
  </aside>
</div>
</body>
</html>
`;
}
