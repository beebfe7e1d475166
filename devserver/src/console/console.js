// The console page: polls /__dev/console/state every second and renders it.
// Every value from the server goes through esc() before it reaches HTML.
"use strict";

const POLL_MS = 1000;
const revealed = new Set(); // user ids whose TOTP secret is shown
const cardSigs = new Map(); // user id -> signature of the card's static part
const sectionSigs = new Map();
let failures = 0;

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function $(id) { return document.getElementById(id); }

function timeOf(iso) {
  const d = new Date(iso);
  return isNaN(d) ? esc(iso) : esc(d.toISOString().slice(11, 23).replace(/\.(\d\d\d)$/, ".$1"));
}

async function call(method, path, body) {
  const resp = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  const env = await resp.json().catch(() => ({ code: resp.status, message: resp.statusText }));
  if (env.code !== 200) throw new Error(`${env.code} ${env.message || ""}`.trim());
  return env.data;
}

function setResult(id, text, err) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("err", !!err);
}

/// Replaces el's content only when it changed, so nothing flickers.
function renderIfChanged(key, el, html) {
  if (sectionSigs.get(key) === html) return;
  sectionSigs.set(key, html);
  el.innerHTML = html;
}

function badge(label, state) {
  return `<span class="badge ${state}">${esc(label)}</span>`;
}

function cardStatic(u) {
  const f = u.factors;
  const lock = u.lockout;
  const badges = [
    badge(`TOTP ${f.totp}`, f.totp === "bound" ? "on" : f.totp === "pending" ? "pending" : ""),
    badge(`SMS ${f.sms ? "on" : "off"}`, f.sms ? "on" : ""),
    badge(`email ${f.email ? "on" : "off"}`, f.email ? "on" : ""),
    badge(`face ${f.face ? "bound" : "none"}`, f.face ? "on" : ""),
    lock.locked
      ? badge(`locked until ${lock.lockedUntil}`, "locked")
      : badge(`failures ${lock.failures}/${lock.maxFailures}`, lock.failures ? "pending" : ""),
  ].join("");
  const v3 = f.v3.length
    ? f.v3.map((x) => `${esc(x.factorType)} <span class="id">${esc(x.factorId)}</span>`).join(", ")
    : `<span class="empty">none</span>`;
  const v3p = f.v3Pending.length
    ? ` · enrolling: ${f.v3Pending.map((x) => esc(x.factorType)).join(", ")}`
    : "";
  const names = [
    u.username && `username ${esc(u.username)}`,
    u.email && `email ${esc(u.email)}`,
    u.phone && `phone ${esc(u.phoneCountryCode || "")} ${esc(u.phone)}`,
  ].filter(Boolean).join(" · ");
  let totp = "";
  if (u.totp.state !== "none") {
    const shown = revealed.has(u.id);
    totp = `
      <div class="totp">
        ${u.totp.qr ? `<img class="qr" alt="TOTP QR code of ${esc(u.account)}" src="${esc(u.totp.qr)}">` : ""}
        <div>
          <div class="secs">${u.totp.state === "pending" ? "pending binding: code to confirm" : "current code"}</div>
          <div class="totp-code" data-role="code">······</div>
          <div class="bar"><span data-role="bar"></span></div>
          <div class="secs"><span data-role="secs"></span> s left</div>
          <div class="secret">secret
            <span data-role="secret">${shown ? esc(u.totp.secret) : "••••••••"}</span>
            <button type="button" class="link" data-action="reveal">${shown ? "hide" : "show"}</button>
          </div>
        </div>
      </div>`;
  }
  return `
    <h3>${esc(u.account)}</h3>
    <div class="id">${esc(u.id)} · logins ${esc(u.loginsCount)}</div>
    <div>${names}</div>
    <div class="badges">${badges}</div>
    <div>v3 factors: ${v3}${v3p}</div>
    ${totp}
    <div class="actions">
      <button type="button" data-action="reset-mfa">Reset MFA</button>
      <button type="button" class="danger" data-action="delete">Delete</button>
    </div>`;
}

function renderUsers(users) {
  $("users-count").textContent = `(${users.length})`;
  const box = $("users");
  if (!users.length) {
    renderIfChanged("users-empty", box, `<p class="empty">No users yet: create one above, or through the API.</p>`);
    cardSigs.clear();
    return;
  }
  sectionSigs.delete("users-empty");
  const seen = new Set();
  let prev = null;
  for (const u of users) {
    seen.add(u.id);
    let card = box.querySelector(`.card[data-user-id="${CSS.escape(u.id)}"]`);
    if (!card) {
      card = document.createElement("div");
      card.className = "card";
      card.dataset.userId = u.id;
    }
    // Keep the order of the listing (oldest first).
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== card) box.insertBefore(card, want);
    prev = card;
    const html = cardStatic(u);
    if (cardSigs.get(u.id) !== html) {
      cardSigs.set(u.id, html);
      card.innerHTML = html;
    }
    if (u.totp.state !== "none") {
      card.querySelector('[data-role="code"]').textContent = u.totp.code || "?";
      card.querySelector('[data-role="secs"]').textContent = u.totp.secondsLeft;
      card.querySelector('[data-role="bar"]').style.width =
        `${Math.round((100 * u.totp.secondsLeft) / u.totp.period)}%`;
    }
  }
  for (const card of [...box.querySelectorAll(".card")]) {
    if (!seen.has(card.dataset.userId)) {
      cardSigs.delete(card.dataset.userId);
      card.remove();
    }
  }
  for (const el of [...box.children]) if (!el.classList.contains("card")) el.remove();
}

function renderOutbox(outbox) {
  $("outbox-count").textContent = `(${outbox.length})`;
  const rows = outbox.map((m) => `
    <tr class="${m.used ? "used" : ""}" data-channel="${esc(m.channel)}">
      <td>${timeOf(m.sentAt)}</td><td>${esc(m.channel)}</td>
      <td>${esc(m.phoneCountryCode && m.channel === "sms" ? `${m.phoneCountryCode} ` : "")}${esc(m.to)}</td>
      <td>${esc(m.scene || "")}</td><td class="code">${esc(m.code)}</td><td>${m.used ? "used" : ""}</td>
    </tr>`).join("");
  renderIfChanged("outbox", $("outbox"), rows || `<tr><td colspan="6" class="empty">Nothing sent yet.</td></tr>`);
}

function renderApps(apps) {
  const rows = apps.map((a) => `
    <tr data-app-id="${esc(a.appId)}">
      <td><code>${esc(a.appId)}</code></td>
      <td>${a.mfaPolicy.length ? esc(a.mfaPolicy.join(", ")) : `<span class="empty">none</span>`}</td>
      <td>${esc(a.factors.join(", "))}</td>
      <td>${a.registered ? (a.hasSecret ? "confidential" : "public") : `<span class="empty">not registered</span>`}</td>
    </tr>`).join("");
  renderIfChanged("apps", $("apps"), rows || `<tr><td colspan="4" class="empty">No policy: logins stop only at users' own factors (1635).</td></tr>`);
}

function renderRequests(list, cap) {
  $("requests-count").textContent = `(${list.length} of at most ${cap})`;
  const rows = list.map((r) => `
    <tr>
      <td>${timeOf(r.time)}</td><td>${esc(r.method)}</td>
      <td>${esc(r.path)}${r.query ? `?${esc(r.query)}` : ""}</td>
      <td>${esc(r.authorization || "")}</td>
      <td>${r.bodyBytes ? `${esc(r.bodyBytes)} B (not kept)` : ""}</td>
      <td class="s${String(r.status)[0]}">${esc(r.status)}</td><td>${esc(r.code)}</td>
      <td>${esc(r.durationMs)}</td>
    </tr>`).join("");
  renderIfChanged("requests", $("requests"), rows || `<tr><td colspan="8" class="empty">No requests yet.</td></tr>`);
}

function render(s) {
  $("now").textContent = s.nowIso;
  $("offset").textContent = s.clockOffsetSeconds;
  $("clock-offset").textContent = s.clockOffsetSeconds;
  $("clock-zero").dataset.offset = s.clockOffsetSeconds;
  renderUsers(s.users);
  renderOutbox(s.outbox);
  renderApps(s.apps);
  renderRequests(s.requests, s.requestLogCap);
}

async function poll() {
  try {
    const s = await call("GET", "/__dev/console/state");
    render(s);
    failures = 0;
    $("live").textContent = "live";
    $("live").className = "live on";
  } catch (e) {
    failures += 1;
    $("live").textContent = `server unreachable (${e.message})`;
    $("live").className = "live off";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function refreshSoon() {
  call("GET", "/__dev/console/state").then(render).catch(() => {});
}

function wire() {
  $("create-user").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const body = {};
    for (const k of ["username", "email", "phone", "password"]) {
      const v = form.elements[k].value.trim();
      if (v) body[k] = v;
    }
    try {
      const u = await call("POST", "/__dev/users", body);
      setResult("create-user-result", `created ${u.email || u.phone || u.username}`);
      form.reset();
      refreshSoon();
    } catch (e) {
      setResult("create-user-result", e.message, true);
    }
  });

  $("users").addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button[data-action]");
    if (!btn) return;
    const card = btn.closest(".card");
    const id = card.dataset.userId;
    const action = btn.dataset.action;
    if (action === "reveal") {
      if (revealed.has(id)) revealed.delete(id); else revealed.add(id);
      cardSigs.delete(id);
      refreshSoon();
      return;
    }
    try {
      if (action === "reset-mfa") {
        await call("POST", `/__dev/users/${encodeURIComponent(id)}/mfa/reset`, {});
      } else if (action === "delete") {
        if (!confirm("Delete this user?")) return;
        await call("DELETE", `/__dev/users/${encodeURIComponent(id)}`);
      }
      refreshSoon();
    } catch (e) {
      alert(e.message);
    }
  });

  $("policy").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const appId = form.elements.appId.value.trim() || "*";
    const factors = [...form.querySelectorAll('input[name="f"]:checked')].map((c) => c.value);
    try {
      await call("POST", `/__dev/apps/${encodeURIComponent(appId)}/mfa`, { factors });
      setResult("policy-result", factors.length ? `${appId}: ${factors.join(", ")}` : `${appId}: removed`);
      refreshSoon();
    } catch (e) {
      setResult("policy-result", e.message, true);
    }
  });

  $("apps").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr[data-app-id]");
    if (!row) return;
    const form = $("policy");
    form.elements.appId.value = row.dataset.appId;
    const policy = row.children[1].textContent.split(",").map((s) => s.trim());
    for (const c of form.querySelectorAll('input[name="f"]')) c.checked = policy.includes(c.value);
  });

  async function advance(n) {
    try {
      const c = await call("POST", "/__dev/clock", { advanceSeconds: n });
      setResult("clock-result", `offset ${c.offsetSeconds} s`);
      refreshSoon();
    } catch (e) {
      setResult("clock-result", e.message, true);
    }
  }
  $("clock-buttons").addEventListener("click", (ev) => {
    const btn = ev.target.closest("button");
    if (!btn) return;
    if (btn.id === "clock-zero") advance(-Number(btn.dataset.offset || 0));
    else advance(Number(btn.dataset.advance));
  });
  $("clock").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const n = Number(ev.target.elements.seconds.value);
    if (Number.isInteger(n) && n !== 0) advance(n);
  });
}

wire();
poll();
