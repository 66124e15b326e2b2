// Refreshes the dashboard's numbers and server-drawn SVG charts from /dashboard/api/overview.
// The SVG comes from our own worker and holds no script; it replaces the chart in place.
const base = JSON.parse(document.getElementById("ganger-config").textContent).basePath;
const updated = document.getElementById("updated");

function apply(data) {
  for (const app of data.apps) {
    const card = document.querySelector(`.app-card[data-worker="${CSS.escape(app.worker)}"]`);
    if (!card) continue;
    for (const [name, text] of Object.entries(app.stats)) {
      const cell = card.querySelector(`[data-stat="${name}"]`);
      if (cell) cell.textContent = text;
    }
    for (const [name, svg] of Object.entries(app.charts)) {
      const holder = card.querySelector(`[data-chart="${name}"]`);
      if (holder && holder.innerHTML !== svg) holder.innerHTML = svg;
    }
  }
  for (const row of data.success) {
    const tr = document.querySelector(`#success tr[data-metric="${CSS.escape(row.key)}"]`);
    if (!tr) continue;
    const measured = tr.querySelector('[data-field="measured"]');
    measured.textContent = row.measured;
    measured.className = row.ok === null ? "unknown" : row.ok ? "ok" : "bad";
    tr.querySelector('[data-field="note"]').textContent = row.note;
  }
  const quiet = document.getElementById("no-traffic");
  if (quiet && data.traffic) quiet.remove();
}

async function refresh() {
  try {
    const response = await fetch(`${base}/api/overview`, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    apply(await response.json());
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    updated.textContent = `Not refreshed (${error.message}).`;
  }
}

setInterval(refresh, 5000);
