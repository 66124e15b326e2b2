// Refreshes the worker, incident and state-change tables from /status/api/… without reloading the page.
const base = JSON.parse(document.getElementById("ganger-config").textContent).basePath;
const updated = document.getElementById("updated");

function cell(text, { code = false, className = "" } = {}) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (code) { const c = document.createElement("code"); c.textContent = text; td.append(c); } else { td.textContent = text; }
  return td;
}

function pill(text) {
  const td = document.createElement("td");
  const span = document.createElement("span"); span.className = `pill ${text}`; span.textContent = text;
  td.append(span);
  return td;
}

const dash = (value, suffix = "") => (value == null ? "–" : `${value}${suffix}`);

function workerRow(w) {
  const tr = document.createElement("tr");
  tr.dataset.worker = w.worker;
  const name = document.createElement("td");
  const strong = document.createElement("strong"); strong.textContent = w.description;
  const code = document.createElement("code"); code.textContent = w.worker;
  name.append(strong, document.createElement("br"), code);
  const b = w.budgets;
  const memory = `${w.memoryMb == null ? "–" : `${w.memoryMb.toFixed(1)} MB`} / ${b.memoryTargetMb} MB`;
  const budgets = `${b.memoryMb} MB · ${b.cpuMs} ms CPU · ${b.concurrency} conc. · ${b.bundleKb} KB · start ${b.coldStartMs} ms`;
  const l = w.limits;
  const limits = l ? `CPU ${l.cpu} · memory ${l.memory} · recycled ${l.recycles} · shed ${l.shed}` : "–";
  const replicas = `${w.scaling ? `${w.replicas} (${w.scaling})` : w.replicas} · ${w.coldStarts} cold start${w.coldStarts === 1 ? "" : "s"}`;
  tr.append(name, cell(w.route, { code: true }), pill(w.state), cell(replicas), cell(w.pids.join(", ")),
            cell(memory, { className: w.memoryOverTarget ? "over" : "" }), cell(budgets, { className: "budgets" }),
            cell(limits, { className: "limits" }), cell(String(w.restarts)), cell(w.version, { code: true }), cell(dash(w.uptimeSeconds, " s")));
  return tr;
}

function incidentRow(i) {
  const tr = document.createElement("tr");
  tr.dataset.worker = i.worker; tr.dataset.kind = i.kind;
  tr.append(cell(i.when), cell(i.worker, { code: true }), cell(i.reason ? `${i.kind}: ${i.reason}` : i.kind), cell(dash(i.replica)), cell(dash(i.pid)),
            cell(dash(i.exitCode)));
  return tr;
}

function changeRow(c) {
  const tr = document.createElement("tr");
  tr.dataset.worker = c.worker;
  tr.append(cell(c.when), cell(c.worker, { code: true }), pill(c.phase));
  return tr;
}

async function load(path) {
  const response = await fetch(`${base}/api/${path}`, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(String(response.status));
  return response.json();
}

async function refresh() {
  try {
    const [state, history] = await Promise.all([load("workers"), load("incidents")]);
    document.querySelector("#workers tbody").replaceChildren(...state.workers.map(workerRow));
    if (history.incidents.length) {
      document.querySelector("#incidents tbody").replaceChildren(...history.incidents.map(incidentRow));
    }
    document.querySelector("#changes tbody").replaceChildren(...history.changes.map(changeRow));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    updated.textContent = `Runtime not answering (${error.message}).`;
  }
}

setInterval(refresh, 3000);
