// Platform shell: exposes the page's configuration as window.GANGER_CONFIG.
// The values arrive as JSON in <script type="application/json" id="ganger-config">, so no
// inline script is needed and the Content-Security-Policy can forbid them.
const element = document.getElementById("ganger-config");
window.GANGER_CONFIG = Object.freeze(element ? JSON.parse(element.textContent) : {});
