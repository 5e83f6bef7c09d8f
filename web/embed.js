// Dynaplay's one-line embed for documentation pages:
//   <script src="https://host/embed.js" data-sandbox="<share payload or ./file.dynaplay.json>"
//           data-operation="GetItem" data-request='{"TableName":"Notes", ...}'></script>
// replaces itself with an iframe of the compact console (index.html#/embed/console?...). More steps
// run on the same sandbox: data-steps='[{"operation":"PutItem","request":{...}}, ...]'.
// data-region="eu-west-1" sends the requests to that region of the global tables simulation (a
// sandbox with a replica there); the console then shows its region selector, labelled a simulation.
// data-sandbox holding "/" or "." is a URL, fetched by the embed from its own origin; anything
// else is a share link's payload (the part after #/shared/). The iframe is sandboxed: scripts and
// its own origin (for the wasm and the fetch) only, no top navigation.
(function () {
  'use strict';
  const script = document.currentScript;
  if (!script || !script.src) return;
  const data = script.dataset;
  const query = new URLSearchParams();
  const sandbox = (data.sandbox || '').trim();
  if (/[./]/.test(sandbox)) {
    query.set('src', new URL(sandbox, document.baseURI).href);
  } else if (sandbox) {
    query.set('sandbox', sandbox);
  }
  const region = (data.region || '').trim();
  if (region) query.set('region', region);
  const text = (request) => (typeof request === 'string' ? request : JSON.stringify(request, null, 2));
  let steps = [];
  if (data.steps) {
    try {
      steps = JSON.parse(data.steps).map((s) => [s.operation, text(s.request)]);
    } catch (e) {
      console.error('embed.js: data-steps is not a JSON list of {operation, request}', e);
    }
  } else if (data.operation) {
    steps = [[data.operation, data.request ? text(JSON.parse(data.request)) : '']];
  }
  for (const [operation, request] of steps) {
    query.append('op', operation);
    if (request) query.append('request', request);
  }
  const frame = document.createElement('iframe');
  frame.src = new URL('index.html', script.src).href + '#/embed/console?' + query.toString();
  frame.title = data.title || 'Dynaplay: ' + steps.map((s) => s[0]).join(' + ') + (region ? ' in ' + region : '');
  frame.loading = 'lazy';
  frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups');
  frame.className = 'dynaplay-embed';
  frame.style.cssText = 'width:100%;border:1px solid #c8ccd4;border-radius:6px;';
  // A given region shows the region selector above the steps: room for it too.
  const selector = region ? 100 : 0;
  frame.style.height = (Number(data.height) || 220 + selector + 260 * Math.max(steps.length, 1)) + 'px';
  script.replaceWith(frame);
})();
