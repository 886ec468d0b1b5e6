// The API reference page: swagger-ui rendering /openapi.json, every file same-origin, under a strict CSP.
import { paths } from '@deskgate/protocol';
import { escapeHtml, PAGE_CSP } from './render.ts';

/**
 * PAGE_CSP plus only what the viewer needs: `connect-src 'self'` to fetch /openapi.json (and "Try it
 * out" requests, which stay on this origin), and `img-src data:` for the icons swagger-ui.css embeds as
 * data: URIs (an image cannot run script). Still no inline script or style, no eval, nothing third-party.
 */
export const REFERENCE_CSP = `${PAGE_CSP.replace("img-src 'self'", "img-src 'self' data:")}; connect-src 'self'`;

const VIEWER = '/assets/swagger-ui';

/** Starts the viewer; a file, since the CSP allows no inline script. */
export const REFERENCE_JS = `(function(){
window.ui=SwaggerUIBundle({url:${JSON.stringify(paths.openapi)},dom_id:'#reference',deepLinking:true,
validatorUrl:null,presets:[SwaggerUIBundle.presets.apis],layout:'BaseLayout'});
})();`;

export function referencePage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" type="image/png" href="${VIEWER}/favicon-32x32.png">
<link rel="stylesheet" href="${VIEWER}/swagger-ui.css">
<script src="${VIEWER}/swagger-ui-bundle.js" defer></script>
<script src="/assets/reference.js" defer></script>
</head>
<body>
<div id="reference"></div>
</body>
</html>`;
}
