// The hosted pages' only stylesheet and script, served same-origin so the CSP needs no inline allowance.

export const PAGES_CSS = `:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f5f7;color:#1d2330}
@media (prefers-color-scheme:dark){body{background:#14171c;color:#e7eaf0}.card{background:#1d2129}}
.card{max-width:26rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}
.button{display:block;width:100%;box-sizing:border-box;padding:.75rem 1rem;margin:.5rem 0;border:0;border-radius:8px;
background:#3454d1;color:#fff;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.button:hover{background:#2a44aa}
.button:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.code{font:700 2rem/1.2 ui-monospace,monospace;letter-spacing:.15em;text-align:center;margin:1rem 0}
.muted{opacity:.7;font-size:.9rem}
[hidden]{display:none!important}`;

/**
 * Completion page: hand the one-time proof to the opener, addressed to the exact origin that created the
 * attempt. Without an opener (COOP, another browser, a forwarded link) the confirmation form stays visible.
 */
export const COMPLETE_JS = `(function(){
var el=document.getElementById('deskgate-data');if(!el)return;
var d=JSON.parse(el.textContent);var opener=window.opener;
if(!opener||opener===window)return;
try{opener.postMessage({type:d.type,v:d.v,attemptId:d.attemptId,proof:d.proof},d.origin)}catch(e){return}
document.getElementById('confirm').hidden=true;document.getElementById('done').hidden=false;
setTimeout(function(){window.close()},1500);
})();`;
