// The LiveEngage-style widget's own glue: shows who the SDK signed in (with the API key and agent from this
// page's URL, data-from-url) and opens the agent's personal collection through an outbound link.
// Loaded before the SDK (which is async) so no deskgate:* event can fire before we listen.
(() => {
  // Read now: the SDK removes these from the address bar as soon as it starts.
  const query = new URLSearchParams(location.search);
  const hadKey = query.has('apiKey');

  let state = { kind: 'loading' };
  let error = '';

  const $ = (id) => document.getElementById(id);

  function who(session) {
    const user = session?.user ?? session?.session?.user;
    return user ? user.name || user.email || user.id : 'an agent';
  }

  function render() {
    const status = $('widget-status');
    if (!status) return;
    if (state.kind === 'signed-in') status.textContent = `Signed in as ${who(state.session)}`;
    else if (state.kind === 'signed-out') status.textContent = 'Not signed in';
    else status.textContent = 'Waiting for deskgate…';
    status.dataset.state = state.kind;
    $('personal-collection').disabled = state.kind !== 'signed-in';
    $('widget-error').textContent = error;
  }

  window.addEventListener('deskgate:ready', (event) => {
    state = { kind: 'signed-in', session: event.detail };
    error = '';
    render();
  });
  window.addEventListener('deskgate:signed-out', () => {
    state = { kind: 'signed-out' };
    render();
  });
  window.addEventListener('deskgate:error', (event) => {
    const detail = event.detail ?? {};
    error = `deskgate error: ${detail.code ?? 'unknown'}${detail.message ? ` – ${detail.message}` : ''}`;
    // A refused key ends the sign-in the widget was waiting for.
    if (state.kind === 'loading') state = { kind: 'signed-out' };
    render();
  });
  // Script load and error events do not bubble, but they do pass the document in the capture phase.
  const isSdkScript = (target) =>
    target instanceof HTMLScriptElement && target.src.endsWith('/sdk/deskgate.js');
  document.addEventListener(
    'error',
    (event) => {
      if (isSdkScript(event.target)) {
        state = { kind: 'signed-out' };
        error = `Could not load the deskgate SDK from ${event.target.src}. Is the API running?`;
        render();
      }
    },
    true,
  );

  // An outbound link: the SDK opens the window at once (this is the click), then points it at a single-use
  // link that signs the agent in on the API site and goes on to the collection. Failures are deskgate:error.
  function openCollection() {
    if (typeof window.deskgate?.openOutbound !== 'function') {
      error = 'The deskgate SDK is not loaded, or too old for outbound links.';
      render();
      return;
    }
    window.deskgate.openOutbound(`/t/${document.body.dataset.tenant}/collection`);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('personal-collection').addEventListener('click', openCollection);
    if (!hadKey && !error)
      error = 'This widget URL has no apiKey. Open it from the agent desktop’s link, as LiveEngage would.';
    render();
  });
})();
