// The hosted pages' only stylesheet and script, served same-origin so the CSP needs no inline allowance.
// The stylesheet's dark scheme comes last: it overrides the card's white background and the light colours.
// Focus rings and alert text have 3:1 and 4.5:1 against the card in both schemes (e2e/a11y.spec.ts runs axe
// in both). The approval page's Reject is the outlined, secondary button, so it does not look like Approve.

export const PAGES_CSS = `:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--focus:#c2410c;--alert:#b3261e;--accent:#3454d1}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f5f7;color:#1d2330}
.card{max-width:26rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:0 0 .25rem}
.button{display:block;width:100%;box-sizing:border-box;padding:.75rem 1rem;margin:.5rem 0;border:0;border-radius:8px;
background:#3454d1;color:#fff;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.button:hover{background:#2a44aa}
.button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.code{font:700 2rem/1.2 ui-monospace,monospace;letter-spacing:.15em;text-align:center;margin:1rem 0}
.muted{opacity:.7;font-size:.9rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.code-input{display:block;width:100%;box-sizing:border-box;padding:.6rem;font:700 1.6rem/1.2 ui-monospace,monospace;
letter-spacing:.15em;text-align:center;text-transform:uppercase;border:2px solid #8a93a6;border-radius:8px}
.code-input:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.text-input{display:block;width:100%;box-sizing:border-box;padding:.6rem;font:inherit;border:2px solid #8a93a6;border-radius:8px}
.text-input:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.magic-link{margin-top:1.25rem}
.button[value=reject]{background:none;color:var(--accent);box-shadow:inset 0 0 0 2px currentColor}
.button[value=reject]:hover{background:#3454d11f}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1rem 0}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
.alert{color:var(--alert);font-weight:600}
[data-locked]{opacity:.55;cursor:not-allowed}
[hidden]{display:none!important}
@media (prefers-color-scheme:dark){:root{--focus:#f5a623;--alert:#ffb4ab;--accent:#a9b8ff}body{background:#14171c;color:#e7eaf0}.card{background:#1d2129}}`;

/** How long a guarded control stays inert after its page becomes visible or focused again. */
export const GUARD_MS = 800;

/**
 * The hosted pages' one script.
 * 1. DoubleClickjacking guard: controls marked `data-guard` stay inert until the page has been visible and
 *    focused for GUARD_MS, and again after every blur or hide, so a click or key meant for another page
 *    (one that swapped this window in under the pointer) cannot land on them.
 * 2. Completion page: hand the one-time proof to the opener, addressed to the exact origin that created the
 *    attempt. Without an opener (COOP, another browser, a forwarded link) the code-entry form stays.
 * 3. A page marked `data-closes` (the sign-in is confirmed) closes its window after a moment, as the chooser
 *    promised; browsers refuse that for a window the agent opened themselves, which then stays.
 * 4. Outbound-link landing page: take the exchange token from the fragment (which no server saw), remove it
 *    from the address bar and history, and post it with the page's own form. A magic link's page
 *    (`data-fragment-token`) does the same but waits for the agent's click: a scanner running it uses nothing.
 * 5. Magic links in one browser: the popup waiting for the email (#magic-wait) moves on to the completion
 *    page, and so to the opener, when a tab of this browser completes its attempt (BroadcastChannel on this
 *    origin); that tab then says it is done. A completion page carries the proof only in the browser that
 *    started the sign-in.
 */
export const PAGES_JS = `(function(){
var guarded=document.querySelectorAll('[data-guard]');var timer;
function lock(){clearTimeout(timer);for(var i=0;i<guarded.length;i++){guarded[i].setAttribute('data-locked','');if(guarded[i].tagName==='INPUT')guarded[i].readOnly=true}}
function unlockSoon(){lock();if(document.visibilityState!=='visible')return;timer=setTimeout(function(){for(var i=0;i<guarded.length;i++){guarded[i].removeAttribute('data-locked');guarded[i].readOnly=false}},${GUARD_MS})}
function stop(e){var t=e.target;var el=t&&t.closest?t.closest('[data-guard]'):null;if(e.type==='submit')el=t.querySelector('[data-guard][data-locked]');if(el&&el.hasAttribute('data-locked')){e.preventDefault();e.stopImmediatePropagation()}}
if(guarded.length){document.addEventListener('visibilitychange',unlockSoon);window.addEventListener('focus',unlockSoon);window.addEventListener('blur',lock);
document.addEventListener('click',stop,true);document.addEventListener('submit',stop,true);unlockSoon()}
if(document.querySelector('[data-closes]'))setTimeout(function(){window.close()},1500);
var m=/(?:^#|&)token=([^&]*)/.exec(location.hash),t=m&&m[1]?decodeURIComponent(m[1]):'';
var x=document.getElementById('exchange');
if(x){history.replaceState(null,'',location.pathname+location.search);
if(t){x.elements.token.value=t;x.submit()}else{document.getElementById('exchange-lead').hidden=true;document.getElementById('exchange-missing').hidden=false}return}
var f=document.querySelector('form[data-fragment-token]');
if(f){history.replaceState(null,'',location.pathname+location.search);
if(t)f.elements.token.value=t;else{f.hidden=true;document.getElementById('fragment-missing').hidden=false}return}
var bc=null;try{bc=new BroadcastChannel('deskgate-attempts')}catch(e){}
var w=document.getElementById('magic-wait');
if(w){if(bc)bc.onmessage=function(e){if(e.data&&e.data.t==='completed'&&e.data.id===w.getAttribute('data-attempt'))location.replace(w.getAttribute('data-complete'))};return}
var el=document.getElementById('deskgate-data');if(!el)return;
var d=JSON.parse(el.textContent);var opener=window.opener;
function handed(){document.getElementById('confirm').hidden=true;document.getElementById('done').hidden=false}
if(!opener||opener===window){if(bc){bc.onmessage=function(e){if(e.data&&e.data.t==='handed'&&e.data.id===d.attemptId)handed()};bc.postMessage({t:'completed',id:d.attemptId})}return}
try{opener.postMessage({type:d.type,v:d.v,attemptId:d.attemptId,proof:d.proof},d.origin)}catch(e){return}
if(bc)bc.postMessage({t:'handed',id:d.attemptId});
handed();
setTimeout(function(){window.close()},1500);
})();`;

/** The hosted pages' icon (also at /favicon.ico), so a popup shows our mark and logs no 404. */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3454d1"/><path d="M10 8h6a8 8 0 0 1 0 16h-6z" fill="none" stroke="#fff" stroke-width="3"/></svg>`;
