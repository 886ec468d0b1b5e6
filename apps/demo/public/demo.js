// The demo desktop's own glue: shows what the deskgate SDK reports and drives it from buttons.
// Loaded before the SDK (which is async) so no deskgate:* event can fire before we listen.
(() => {
  let state = { kind: 'loading' };
  let sdkError = '';

  // ?platform=1: the page plays a CX platform that already knows its agent. Its backend (the demo server's
  // /platform/token) signs a JWT, and the SDK exchanges it instead of showing a sign-in button; the SDK calls
  // this again whenever it needs a new session. Set before the async SDK tag can run.
  const platform = document.documentElement.dataset.platform === '1';
  if (platform)
    window.deskgateSignedUserInfo = () =>
      fetch('/platform/token').then((r) =>
        r.ok ? r.text() : Promise.reject(new Error(`demo platform: ${r.status}`)),
      );

  const $ = (id) => document.getElementById(id);
  const config = () => ({ apiUrl: document.body.dataset.apiUrl, tenant: document.body.dataset.tenant });

  function describe(session) {
    const user = session?.user ?? session?.session?.user;
    if (!user) return 'Signed in';
    const who = user.name && user.email ? `${user.name} <${user.email}>` : user.name || user.email || user.id;
    const roles = Array.isArray(user.roles) && user.roles.length ? user.roles.join(', ') : 'no roles';
    return `Signed in as ${who} · ${roles}`;
  }

  function render() {
    const status = $('agent-status');
    if (!status) return;
    if (state.kind === 'signed-in') status.textContent = describe(state.session);
    else if (state.kind === 'signed-out') status.textContent = 'Not signed in';
    else status.textContent = platform ? 'The platform is signing you in…' : 'Waiting for deskgate…';
    status.dataset.state = state.kind;
    $('sign-out').disabled = state.kind !== 'signed-in';
    $('personal-collection').disabled = state.kind !== 'signed-in';
    $('sdk-error').textContent = sdkError;
    const chip = $('agent-chip');
    if (chip)
      chip.textContent =
        state.kind === 'signed-in' ? describe(state.session).replace('Signed in as ', '') : '';
  }

  window.addEventListener('deskgate:ready', (event) => {
    state = { kind: 'signed-in', session: event.detail };
    sdkError = '';
    render();
  });
  window.addEventListener('deskgate:signed-out', () => {
    state = { kind: 'signed-out' };
    render();
  });
  window.addEventListener('deskgate:error', (event) => {
    const detail = event.detail ?? {};
    sdkError = `deskgate error: ${detail.code ?? 'unknown'}${detail.message ? ` – ${detail.message}` : ''}`;
    // Platform mode: a refused or missing token ends the sign-in the page was waiting for.
    if (state.kind === 'loading' && platform) state = { kind: 'signed-out' };
    // Opened at another name for the same server (127.0.0.1 for localhost): say where the tenant expects it.
    const expected = document.body.dataset.origin;
    if (detail.code === 'origin_not_allowed' && expected && expected !== location.origin)
      sdkError = `This demo is open at ${location.origin}, which the demo tenant does not allow. Open ${expected} instead. (${sdkError})`;
    render();
  });
  // Script load and error events do not bubble, but they do pass the document in the capture phase
  // (load events never reach window).
  const isSdkScript = (target) =>
    target instanceof HTMLScriptElement && target.src.endsWith('/sdk/deskgate.js');
  document.addEventListener(
    'load',
    (event) => {
      // The SDK announces sessions, not their absence at start: until it does, nobody is signed in. In platform
      // mode it is still exchanging the platform's token: that ends in `ready` or `error`.
      if (isSdkScript(event.target) && state.kind === 'loading' && !platform) {
        state = window.deskgate?.session
          ? { kind: 'signed-in', session: window.deskgate.session }
          : { kind: 'signed-out' };
        render();
      }
    },
    true,
  );
  document.addEventListener(
    'error',
    (event) => {
      if (isSdkScript(event.target)) {
        state = { kind: 'signed-out' };
        sdkError = `Could not load the deskgate SDK from ${event.target.src}. Is the API running?`;
        render();
      }
    },
    true,
  );

  async function callApi() {
    const { apiUrl, tenant } = config();
    const result = $('api-result');
    const status = $('api-status');
    if (!window.deskgate) {
      status.textContent = 'The deskgate SDK is not loaded.';
      return;
    }
    status.textContent = 'Calling…';
    try {
      const response = await window.deskgate.fetch(`${apiUrl}/t/${tenant}/auth/session`);
      const text = await response.text();
      let body = text;
      try {
        body = JSON.stringify(JSON.parse(text), null, 2);
      } catch {}
      status.textContent = `GET /t/${tenant}/auth/session → ${response.status}`;
      result.textContent = body;
    } catch (error) {
      status.textContent = `Request failed: ${error instanceof Error ? error.message : String(error)}`;
      result.textContent = '';
    }
  }

  async function signOut() {
    try {
      await window.deskgate?.signOut();
    } catch (error) {
      sdkError = `Sign out failed: ${error instanceof Error ? error.message : String(error)}`;
      render();
    }
  }

  // An outbound link (F8): the SDK opens the window at once (this is the click), then points it at a single-use
  // link that signs the agent in on the API site and goes on to their personal collection there. It never
  // rejects: a blocked window or a refused link is a deskgate:error, shown like any other.
  function openCollection() {
    if (typeof window.deskgate?.openOutbound !== 'function') {
      sdkError = 'The deskgate SDK is not loaded, or too old for outbound links.';
      render();
      return;
    }
    window.deskgate.openOutbound(`/t/${config().tenant}/collection`);
  }

  // A pretend reply box: the point is only that the deskgate overlay sits right above it.
  function send(event) {
    event.preventDefault();
    const composer = $('composer');
    const text = composer.value.trim();
    if (!text) return;
    const item = document.createElement('li');
    item.className = 'agent';
    item.textContent = text;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `You · ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    item.append(meta);
    $('messages').append(item);
    item.scrollIntoView({ block: 'end' });
    composer.value = '';
  }

  // ?late-anchor=1: the reply box (the SDK's anchor) is rendered late and then re-rendered, as single-page CX
  // platforms do. It appears LATE_ANCHOR_MS after the page loaded, and LATE_ANCHOR_MS later is replaced by a
  // new, taller element with the same id. ?late-anchor=manual leaves each step to window.demoAnchorStep()
  // (e2e/anchor.spec.ts drives it, so no test waits on a timer). The form's data-anchor names the step.
  const LATE_ANCHOR_MS = 2000;
  function renderComposerLate(auto) {
    const form = $('composer-form');
    const composer = $('composer');
    const next = composer.nextSibling;
    composer.remove();
    form.dataset.anchor = 'absent';
    const steps = [
      () => {
        form.insertBefore(composer, next);
        form.dataset.anchor = 'inserted';
      },
      () => {
        const replacement = composer.cloneNode(false);
        replacement.rows = 6;
        composer.replaceWith(replacement);
        form.dataset.anchor = 'replaced';
      },
    ];
    window.demoAnchorStep = () => steps.shift()?.();
    if (auto) {
      const tick = () => {
        window.demoAnchorStep();
        if (steps.length) setTimeout(tick, LATE_ANCHOR_MS);
      };
      setTimeout(tick, LATE_ANCHOR_MS);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-out').addEventListener('click', signOut);
    $('call-api').addEventListener('click', callApi);
    $('personal-collection').addEventListener('click', openCollection);
    $('composer-form').addEventListener('submit', send);
    $('platform-note').hidden = !platform;
    const lateAnchor = new URLSearchParams(location.search).get('late-anchor');
    if (lateAnchor === '1' || lateAnchor === 'manual') renderComposerLate(lateAnchor === '1');
    render();
  });
})();
