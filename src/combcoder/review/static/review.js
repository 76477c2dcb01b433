// combcoder review: keyboard-first coding. The server renders every piece of HTML (escaped by
// Jinja); this script only handles keys, posts decisions to the JSON API, and swaps in the
// server-rendered workspace for the next item. Text from the server is only ever set as text.
(function () {
  "use strict";

  const project = document.body.dataset.project;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";
  if (!project) return;

  async function api(method, path, payload) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    return { status: response.status, data };
  }

  let flashTimer = null;
  function flash(text, bad) {
    const el = document.getElementById("flash");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("bad", !!bad);
    el.classList.add("show");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => el.classList.remove("show"), bad ? 6000 : 1800);
  }

  // --- the admin page: start a retrain and follow it ---------------------------------------
  const retrainButton = document.getElementById("retrain");
  if (retrainButton) {
    const status = document.getElementById("job-status");
    async function follow(job) {
      const r = await api("GET", `/api/jobs/${job}`);
      if (r.status !== 200) { status.textContent = `job ${job}: ${(r.data && r.data.detail) || r.status}`; return; }
      const j = r.data;
      let text = `job ${j.id}: ${j.status}`;
      if (j.error) text += ` — ${j.error}`;
      if (j.report) text += `\n${j.report.promoted ? "promoted" : "not promoted"} ${j.report.version}: ${j.report.reasons.join("; ")}`;
      else if (j.log.length) text += `\n${j.log.slice(-6).join("\n")}`;
      status.textContent = text;
      status.dataset.status = j.status;
      if (j.status === "running") setTimeout(() => follow(job), 1000);
      else retrainButton.disabled = false;
    }
    retrainButton.addEventListener("click", async () => {
      retrainButton.disabled = true;
      const r = await api("POST", `/api/projects/${project}/retrain`);
      if (r.status === 202) { status.textContent = `job ${r.data.job}: running`; status.dataset.status = "running"; follow(r.data.job); }
      else { status.textContent = (r.data && r.data.detail) || `error ${r.status}`; retrainButton.disabled = false; }
    });
    return;
  }

  // --- the review page ---------------------------------------------------------------------
  const workspace = document.getElementById("workspace");
  const filters = document.getElementById("filters");
  if (!workspace) return;
  const domainButtons = () => [...workspace.querySelectorAll("button.domain")];
  const DOMAINS = domainButtons().map((b) => b.dataset.domain);
  let pending = { domain: null, polarity: null };
  const undoStack = [];
  const visited = [];
  let busy = false;

  const item = () => document.getElementById("item");
  const currentKey = () => (item() ? item().dataset.key : "");

  function filterParams() {
    const params = new URLSearchParams();
    if (!filters) return params;
    for (const [name, value] of new FormData(filters)) if (value !== "") params.set(name, value);
    return params;
  }

  function initItem() {
    const el = item();
    if (!el || !el.dataset.key) { pending = { domain: null, polarity: null }; return; }
    const d = el.dataset;
    if (d.mineDomain) pending = { domain: d.mineDomain, polarity: d.minePolarity };
    else if (d.suggDomain) pending = { domain: d.suggDomain, polarity: d.suggPolarity };
    else pending = { domain: null, polarity: null };
    render();
    const params = filterParams();
    params.set("u", d.key);
    history.replaceState(null, "", `/p/${project}?${params}`);
  }

  function render() {
    const el = item();
    if (!el) return;
    for (const b of el.querySelectorAll("button.domain")) {
      b.classList.toggle("selected", b.dataset.domain === pending.domain);
      b.classList.toggle("suggested", b.dataset.domain === el.dataset.suggDomain);
    }
    for (const b of el.querySelectorAll("button.polarity")) {
      b.classList.toggle("selected", b.dataset.polarity === pending.polarity);
      b.classList.toggle("suggested", b.dataset.polarity === el.dataset.suggPolarity);
    }
  }

  async function load(params) {
    const response = await fetch(`/p/${project}/fragment?${params}`, { credentials: "same-origin" });
    if (response.status === 401 || response.redirected) { window.location.href = "/login"; return; }
    if (!response.ok) { flash(`could not load the next item (${response.status})`, true); return; }
    workspace.innerHTML = await response.text(); // server-rendered, autoescaped HTML
    initItem();
  }

  function loadKey(key) {
    const params = filterParams();
    params.set("u", key);
    return load(params);
  }

  function loadNext() {
    const params = filterParams();
    if (currentKey()) { params.set("after", currentKey()); visited.push(currentKey()); }
    return load(params);
  }

  async function save(action) {
    const el = item();
    if (busy || !el || !el.dataset.key) return;
    const d = el.dataset;
    if (action === "skip" && d.mineKind && d.mineKind !== "clear") { loadNext(); return; } // already decided
    const payload = {
      utterance: d.key,
      action,
      base: d.token ? Number(d.token) : null,
      memo: (document.getElementById("memo") || { value: "" }).value,
    };
    if (action === "code" || action === "adjudicate") {
      if (!pending.domain || !pending.polarity) { flash("Choose a domain (1–7) and a polarity (b, f or n) first.", true); return; }
      payload.domain = pending.domain;
      payload.polarity = pending.polarity;
    }
    if (action === "accept") {
      if (!d.suggId) { flash("There is no model suggestion to accept here.", true); return; }
      payload.suggestion_id = Number(d.suggId);
    }
    busy = true;
    try {
      const r = await api("POST", `/api/projects/${project}/annotations`, payload);
      if (r.status === 201) {
        const a = r.data.annotation;
        undoStack.push(d.key);
        flash(a.kind === "skip" ? `Skipped ${d.key}`
          : `${a.kind === "adjudication" ? "Adjudicated" : "Saved"} ${a.domain} / ${a.polarity}`);
        await loadNext();
      } else if (r.status === 409) {
        flash(r.data.detail, true);
        await loadKey(d.key);
      } else if (r.status === 401) {
        window.location.href = "/login";
      } else {
        flash((r.data && r.data.detail) || `error ${r.status}`, true);
      }
    } finally {
      busy = false;
    }
  }

  async function undo() {
    if (busy) return;
    let key = undoStack.pop();
    if (!key) {
      const d = item() ? item().dataset : {};
      if (!d.mineKind || d.mineKind === "clear") { flash("Nothing to undo.", true); return; }
      key = d.key;
    }
    busy = true;
    try {
      if (key !== currentKey()) await loadKey(key);
      const el = item();
      const r = await api("POST", `/api/projects/${project}/undo`, {
        utterance: key, base: el.dataset.token ? Number(el.dataset.token) : null,
      });
      if (r.status === 201) flash(`Undone on ${key}`);
      else flash((r.data && r.data.detail) || `error ${r.status}`, true);
      await loadKey(key);
    } finally {
      busy = false;
    }
  }

  function back() {
    const key = visited.pop();
    if (key) loadKey(key);
    else flash("No earlier item in this session.", true);
  }

  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t && t.matches && t.matches("textarea, input, select")) {
      if (e.key === "Escape") t.blur();
      else if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && t.id === "memo") { e.preventDefault(); t.blur(); save("code"); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Enter" && e.shiftKey && !(item() && item().querySelector('button[data-action="adjudicate"]'))) return;
    const n = Number(e.key);
    if (Number.isInteger(n) && n >= 1 && n <= DOMAINS.length) {
      pending.domain = DOMAINS[n - 1];
      if (pending.domain === "none") pending.polarity = "neutral";
      render();
      return;
    }
    const polarity = { b: "barrier", f: "facilitator", n: "neutral" }[e.key];
    if (polarity) { pending.polarity = polarity; render(); return; }
    switch (e.key) {
      case "Enter": e.preventDefault(); save(e.shiftKey ? "adjudicate" : "code"); break;
      case "a": save("accept"); break;
      case "s": save("skip"); break;
      case "u": undo(); break;
      case "m": { const memo = document.getElementById("memo"); if (memo) { e.preventDefault(); memo.focus(); } break; }
      case "j": case "ArrowRight": loadNext(); break;
      case "k": case "ArrowLeft": back(); break;
      case "?": document.getElementById("keys").classList.toggle("hidden"); break;
      default: return;
    }
  });

  workspace.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.dataset.domain) {
      pending.domain = button.dataset.domain;
      if (pending.domain === "none") pending.polarity = "neutral";
      render();
    } else if (button.dataset.polarity) {
      pending.polarity = button.dataset.polarity;
      render();
    } else if (button.dataset.action === "save") save("code");
    else if (button.dataset.action === "undo") undo();
    else if (button.dataset.action) save(button.dataset.action);
    button.blur();
  });

  if (filters) filters.addEventListener("change", () => filters.submit());
  initItem();
})();
