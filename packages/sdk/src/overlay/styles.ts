// Overlay styles, isolated in its shadow root; `all: initial` keeps the host page's inherited styles out.
export const CSS =
  ':host{all:initial;display:block;margin:0 0 8px}' +
  'section{box-sizing:border-box;display:flex;flex-direction:column;align-items:flex-start;max-width:360px;' +
  'padding:12px;font:14px/1.4 system-ui,sans-serif;color:#1f2328;background:#fff;border:1px solid #d0d7de;' +
  'border-radius:8px;box-shadow:0 2px 8px #0002}' +
  'button{font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:6px;padding:8px 14px;' +
  'cursor:pointer}' +
  'button:hover{background:#0842a0}' +
  'button:focus-visible{outline:3px solid #1f2328;outline-offset:2px}' +
  // No gap: the empty live region must stay rendered (for announcements) without taking space.
  'p{margin:0}p:not(:empty){margin-top:8px}' +
  // The code the agent types in the sign-in window: on its own line, large, one click selects all of it, and
  // never broken at its hyphen (in a narrow overlay it overflows rather than wraps).
  '[part=code]{display:block;margin-top:4px;font:700 1.5em ui-monospace,monospace;letter-spacing:.15em;' +
  'user-select:all;white-space:nowrap}';
