// Refreshes the worker table from /status/api/workers without reloading the page.
const base = window.GANGER_CONFIG?.basePath ?? JSON.parse(document.getElementById("ganger-config").textContent).basePath;
const body = document.querySelector("#workers tbody");
const updated = document.getElementById("updated");

function cell(text, code) {
  const td = document.createElement("td");
  if (code) { const c = document.createElement("code"); c.textContent = text; td.append(c); } else { td.textContent = text; }
  return td;
}

function row(w) {
  const tr = document.createElement("tr");
  tr.dataset.worker = w.worker;
  const name = document.createElement("td");
  const strong = document.createElement("strong"); strong.textContent = w.description;
  const code = document.createElement("code"); code.textContent = w.worker;
  name.append(strong, document.createElement("br"), code);
  const state = document.createElement("td");
  const pill = document.createElement("span"); pill.className = `pill ${w.state}`; pill.textContent = w.state;
  state.append(pill);
  tr.append(name, cell(w.route, true), state, cell(w.replicas), cell(w.pids.join(", ")), cell(String(w.restarts)),
            cell(w.version, true), cell(w.uptimeSeconds == null ? "–" : `${w.uptimeSeconds} s`));
  return tr;
}

async function refresh() {
  try {
    const response = await fetch(`${base}/api/workers`, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    body.replaceChildren(...data.workers.map(row));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    updated.textContent = `Runtime not answering (${error.message}).`;
  }
}

setInterval(refresh, 3000);
