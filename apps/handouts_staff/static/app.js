// Handouts staff pages: create and edit handouts, preview the Markdown, publish and unpublish,
// all as JSON to /handouts/api; and the print button of the QR sheet.
const base = window.GANGER_CONFIG?.basePath ?? "";

async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  return { ok: response.ok, data };
}

function fields(form) {
  const body = {};
  for (const element of form.elements) {
    if (element.name) body[element.name] = element.name === "body" ? element.value : element.value.trim();
  }
  return body;
}

function showError(target, data, form) {
  if (form) {
    for (const element of form.querySelectorAll("[aria-invalid]")) element.removeAttribute("aria-invalid");
    const field = data.field && form.elements.namedItem(data.field);
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  }
  target.textContent = data.error ?? "The request was not accepted.";
}

function bind(form, method, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = form.querySelector(".form-error");
    try {
      const result = await send(method, form.dataset.api, fields(form));
      if (result.ok) done(result.data); else showError(error, result.data, form);
    } catch (failure) {
      showError(error, { error: `Could not reach the server (${failure.message}).` });
    }
  });
}

const created = document.getElementById("new-handout");
if (created) bind(created, "POST", (handout) => { window.location.href = `${base}/${handout.id}`; });

const edited = document.getElementById("edit-handout");
if (edited) bind(edited, "PATCH", () => window.location.reload());

const previewButton = document.getElementById("preview-button");
previewButton?.addEventListener("click", async () => {
  const result = await send("POST", previewButton.dataset.api, { body: edited.elements.namedItem("body").value });
  if (result.ok) document.getElementById("preview").innerHTML = result.data.html;  // sanitised by the server
});

const publishing = document.getElementById("publishing");
publishing?.addEventListener("click", async (event) => {
  const action = event.target.closest("button[data-action]")?.dataset.action;
  if (!action) return;
  const result = await send("POST", `${publishing.dataset.api}/${action}`, {});
  if (result.ok) window.location.reload(); else showError(document.getElementById("publish-error"), result.data);
});

document.getElementById("print")?.addEventListener("click", () => window.print());
