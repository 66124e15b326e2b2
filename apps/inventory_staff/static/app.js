// Inventory page behaviour: barcode scanning (USB keyboard-wedge scanner and phone camera),
// the add/edit/movement forms (sent as JSON to /inventory/api), and the label print button.
const base = window.GANGER_CONFIG?.basePath ?? "";

async function send(method, url, body, key) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(url, { method, headers, body: JSON.stringify(body), credentials: "same-origin" });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { ok: response.ok, status: response.status, data };
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Form fields as the API wants them: numbers as numbers, trimmed text, empty optional text left out.
function formBody(form, { keepEmpty = [] } = {}) {
  const body = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "submit" || element.type === "button") continue;
    const value = element.value.trim();
    if (element.type === "number") { if (value !== "") body[element.name] = Number(value); continue; }
    if (value !== "") body[element.name] = value;
    else if (keepEmpty.includes(element.name)) body[element.name] = element.name === "barcode" ? null : "";
  }
  return body;
}

function showError(form, data) {
  for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
  const field = data.field && form.elements.namedItem(data.field);
  if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  form.querySelector(".form-error").textContent = data.error ?? "The request was not accepted.";
}

function bindForm(form, method, { keepEmpty, body: extra = () => ({}), done }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const result = await send(method, form.dataset.api, { ...formBody(form, { keepEmpty }), ...extra() },
                                method === "POST" ? newKey() : null);
      if (result.ok) done(result.data); else showError(form, result.data);
    } catch (error) {
      showError(form, { error: `Could not reach the server (${error.message}).` });
    } finally {
      button.disabled = false;
    }
  });
}

// ---- scanning -------------------------------------------------------------------------------------
const scanForm = document.getElementById("scan-form");
const scanResult = document.getElementById("scan-result");

function say(text, good) {
  scanResult.textContent = text;
  scanResult.className = `result ${good ? "ok" : "bad"}`;
}

async function refreshLowStock() {
  const list = document.getElementById("low-stock");
  const response = await fetch(`${base}/api/low-stock`, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const { items } = await response.json();
  const rows = items.map((item) => {
    const li = document.createElement("li");
    li.dataset.supply = item.id;
    const a = document.createElement("a");
    a.href = `${base}/supplies/${item.id}`;
    a.textContent = item.name;
    const qty = document.createElement("span");
    qty.className = "qty";
    qty.textContent = ` ${item.onHand} ${item.unit}`;
    li.append(a, qty, ` / par ${item.parLevel}${item.reorderQuantity ? ` · reorder ${item.reorderQuantity}` : ""}`);
    return li;
  });
  if (!rows.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = list.dataset.empty;
    rows.push(li);
  }
  list.replaceChildren(...rows);
}

async function handleCode(code) {
  const mode = document.getElementById("scan-mode").value;
  const quantity = Number(document.getElementById("scan-quantity").value || "0");
  const location = document.getElementById("scan-location").value;
  if (mode === "lookup") {
    const response = await fetch(`${base}/api/lookup?code=${encodeURIComponent(code)}`, { headers: { Accept: "application/json" } });
    const data = await response.json();
    if (!response.ok) { say(data.error, false); return; }
    say(`${data.name} (${data.sku}): ${data.onHand} ${data.unit} on hand, par ${data.parLevel}.`, true);
    const link = document.createElement("a");
    link.href = `${base}/supplies/${data.id}`;
    link.textContent = " Open";
    scanResult.append(link);
    return;
  }
  const body = { kind: mode, quantity, barcode: code };
  if (location) body.location = location;
  const result = await send("POST", `${base}/api/movements`, body, newKey());
  if (!result.ok) { say(result.data.error, false); return; }
  const { movement, supply } = result.data;
  const verb = { receive: "Received", use: "Used", count: "Counted", adjust: "Adjusted" }[movement.kind];
  say(`${verb} ${movement.quantity} × ${supply.name} at ${movement.location}: now ${movement.balance} ${supply.unit} there, ${supply.onHand} in all.`, true);
  const row = document.querySelector(`#supplies tr[data-supply="${supply.id}"]`);
  if (row) {
    row.querySelector("td.num").textContent = `${supply.onHand} ${supply.unit}`;
    row.classList.toggle("low", supply.low);
  }
  await refreshLowStock();
}

if (scanForm) {
  const input = document.getElementById("scan-code");
  scanForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (code) await handleCode(code).catch((error) => say(`Could not reach the server (${error.message}).`, false));
  });

  // A keyboard-wedge scanner types fast and ends with Enter. Keys typed that way while no field
  // has the focus are routed into the scan field, so a scan works wherever the page was clicked.
  let buffer = "";
  let last = 0;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
    const now = performance.now();
    if (now - last > 80) buffer = "";
    last = now;
    if (event.key === "Enter" && buffer.length >= 3) {
      event.preventDefault();
      input.value = buffer;
      buffer = "";
      scanForm.requestSubmit();
    } else if (event.key.length === 1) {
      buffer += event.key;
    }
  });

  // The phone camera, where the browser has the Barcode Detection API.
  const cameraButton = document.getElementById("camera-start");
  const video = document.getElementById("camera");
  if ("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
    cameraButton.hidden = false;
    cameraButton.addEventListener("click", async () => {
      const detector = new window.BarcodeDetector({ formats: ["code_128", "ean_13", "ean_8", "upc_a", "upc_e", "code_39", "qr_code"] });
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      } catch (error) {
        say(`The camera is not available (${error.message}).`, false);
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const stop = () => { for (const track of stream.getTracks()) track.stop(); video.hidden = true; };
      const look = async () => {
        if (video.hidden) return;
        const found = await detector.detect(video).catch(() => []);
        if (found.length) {
          stop();
          await handleCode(found[0].rawValue);
        } else {
          setTimeout(look, 250);
        }
      };
      look();
    });
  }
}

// ---- forms ------------------------------------------------------------------------------------------
const addForm = document.getElementById("add-supply");
if (addForm) bindForm(addForm, "POST", { done: (supply) => { window.location.href = `${base}/supplies/${supply.id}`; } });

const editForm = document.getElementById("edit-supply");
if (editForm) bindForm(editForm, "PATCH", { keepEmpty: ["barcode", "category"], done: () => window.location.reload() });

const movementForm = document.getElementById("movement");
if (movementForm) {
  bindForm(movementForm, "POST", {
    body: () => ({ supply_id: Number(movementForm.dataset.supply) }),
    done: () => window.location.reload(),
  });
}

document.getElementById("print")?.addEventListener("click", () => window.print());
