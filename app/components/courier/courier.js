// The courier's phone page: stop cards, done / failed taps, and a queue that survives a lost
// connection (postplan, app/components/courier). Streamlit custom component v2: this module's
// default function is called with `data` from app/pages/courier.py on every server update.
//
// Safety: data reaches the page only through textContent and element attributes, never as
// HTML (no HTML-parsing sink anywhere); links are built on the server from numbers and digits.
//
// Queue: every tap becomes an outcome with a random id (the server's idempotency key), is
// written to localStorage under data.queue_key (account + day) BEFORE anything is sent, and is
// removed only when the server lists its id in data.stored. Until then it is re-sent after
// each reconnect, reload and every RETRY_MS, so a tap is stored exactly once and never lost.

const RETRY_MS = 5000;
const PING_MS = 4000;
const STALE_MS = 9000; // unconfirmed this long after a send: say the taps wait for the network
const FIX_MAX_AGE_MS = 30000;
const FIX_WAIT_MS = 6000;

const G = (window.__postplanCourier = window.__postplanCourier || {
  fix: null, watch: null, healthOk: true, lastSend: 0, open: null, busy: false,
  started: Date.now(),
});

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) node.appendChild(c);
  return node;
}

function load(key) {
  try {
    const q = JSON.parse(window.localStorage.getItem(key) || "[]");
    return Array.isArray(q) ? q : [];
  } catch (e) {
    return [];
  }
}

function save(key, queue) {
  try {
    window.localStorage.setItem(key, JSON.stringify(queue));
    return true;
  } catch (e) {
    return false; // storage full or blocked: the page says so (see render)
  }
}

function uuid4() {
  const b = new Uint8Array(16);
  window.crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function clock(d) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// ISO time with the phone's own UTC offset, e.g. 2026-11-25T09:41:07+07:00.
function isoLocal(d) {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const a = Math.abs(off);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:` +
    `${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

// The tap's time: now, or the HH:MM the courier typed, on the plan's day in the phone's zone.
function tapTime(day, typed, now) {
  if (!typed || typed === clock(now)) return isoLocal(now);
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm] = typed.split(":").map(Number);
  return isoLocal(new Date(y, m - 1, d, hh, mm, 0));
}

function startWatch() {
  if (G.watch !== null || !navigator.geolocation) return;
  G.watch = navigator.geolocation.watchPosition(
    (p) => { G.fix = p; G.fixError = null; },
    (e) => { G.fixError = e.code; },
    { enableHighAccuracy: true, maximumAge: 30000 },
  );
}

function stopWatch() {
  if (G.watch !== null && navigator.geolocation) navigator.geolocation.clearWatch(G.watch);
  G.watch = null;
  G.fix = null;
}

// A recent fix, or wait a few seconds for one; null when none comes (the tap is kept anyway).
function position() {
  const fresh = G.fix && Date.now() - G.fix.timestamp <= FIX_MAX_AGE_MS;
  if (fresh) return Promise.resolve(G.fix);
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => { G.fix = p; resolve(p); },
      (e) => { G.fixError = e.code; resolve(null); },
      { enableHighAccuracy: true, timeout: FIX_WAIT_MS, maximumAge: FIX_MAX_AGE_MS },
    );
  });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (G.cleanup) G.cleanup(); // Streamlit calls this again on every update: one timer only
  const L = data.labels;
  const key = data.queue_key;
  const root = parentElement.querySelector(".pp-courier") || parentElement.appendChild(
    el("div", { class: "pp-courier" }));

  const stored = new Set(data.stored || []);
  const refused = data.refused || {};

  // The taps not yet stored on the server; those it confirmed leave the phone's storage.
  function queue() {
    const all = load(key);
    const q = all.filter((t) => !stored.has(t.outcome_id));
    if (q.length !== all.length) G.storageFailed = !save(key, q);
    for (const t of q) if (refused[t.outcome_id]) t.refused = refused[t.outcome_id];
    return q;
  }

  // Taps of this account kept for other days (sent when that day is opened): never hidden.
  function otherDays() {
    const out = { n: 0, days: [] };
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const k = window.localStorage.key(i);
      if (!k || k === key || !k.startsWith(data.queue_prefix)) continue;
      const day = k.slice(data.queue_prefix.length);
      if (!/^\d{4}-\d\d-\d\d$/.test(day)) continue;
      const n = load(k).length;
      if (n) {
        out.n += n;
        out.days.push(`${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`);
      }
    }
    return out;
  }

  function online() {
    return navigator.onLine !== false && G.healthOk;
  }

  function send(force) {
    const q = queue().filter((t) => !t.refused);
    if (!q.length || !online()) return;
    if (!force && Date.now() - G.lastSend < RETRY_MS) return;
    G.lastSend = Date.now();
    setTriggerValue("taps", { batch: q });
  }

  async function record(stop, fields) {
    if (G.busy) return;
    G.busy = true;
    render(L.locating);
    const now = new Date();
    let fix = null;
    if (window.localStorage.getItem(data.consent_key) === "yes") fix = await position();
    const tap = {
      outcome_id: uuid4(), stop: stop.key, job_id: stop.job_id, role: stop.role,
      status: fields.status, reason: fields.reason || null, note: fields.note || "",
      receiver_name: fields.receiver_name || "", fee_vnd: fields.fee_vnd,
      at: tapTime(data.plan_date, fields.time, now), plan_id: data.plan.id,
      plan_version: data.plan.version, plan_date: data.plan_date, queued: Date.now(),
      lat: fix ? fix.coords.latitude : null, lon: fix ? fix.coords.longitude : null,
      accuracy_m: fix ? fix.coords.accuracy : null,
    };
    const q = load(key);
    q.push(tap);
    G.storageFailed = !save(key, q);
    G.open = null;
    G.busy = false;
    render();
    send(true);
  }

  // What the connection line says: ok (all stored), wait (sending), off (offline or unconfirmed).
  function statusOf(q) {
    const waiting = q.filter((t) => !t.refused);
    const refusedN = q.length - waiting.length;
    const oldest = Math.min(...waiting.map((t) => t.queued || 0));
    const since = Math.max(oldest, G.started, G.backAt || 0); // a fair chance to send first
    const stale = waiting.length && Date.now() - since > STALE_MS;
    let cls = "ok";
    let text = L.online_all_saved;
    if (!online()) {
      cls = "off";
      text = waiting.length ? L.offline_waiting.replace("{n}", waiting.length) : L.offline;
    } else if (stale) {
      cls = "off";
      text = L.not_confirmed.replace("{n}", waiting.length);
    } else if (waiting.length) {
      cls = "wait";
      text = L.sending.replace("{n}", waiting.length);
    } else if (refusedN) {
      cls = "off";
      text = L.refused_waiting.replace("{n}", refusedN);
    }
    return { cls, text };
  }

  function statusBar(q) {
    const { cls, text } = statusOf(q);
    const bar = el("div", { class: `pp-status pp-${cls}`, role: "status", "data-state": cls },
      el("span", { class: "pp-dot" }), el("span", { class: "pp-text", text }));
    if (G.storageFailed) bar.appendChild(el("div", { class: "pp-warn", text: L.storage_failed }));
    const others = otherDays();
    if (others.n) {
      bar.appendChild(el("div", { class: "pp-warn", "data-other-days": others.days.join(","),
        text: L.other_days.replace("{n}", others.n).replace("{days}", others.days.join(", ")) }));
    }
    return bar;
  }

  function consentBox() {
    const given = window.localStorage.getItem(data.consent_key);
    const set = (v) => () => {
      window.localStorage.setItem(data.consent_key, v);
      if (v === "yes") startWatch(); else stopWatch();
      render();
    };
    if (given !== "yes" && given !== "no") {
      return el("div", { class: "pp-consent", "data-consent": "ask" },
        el("p", { text: L.consent_ask }),
        el("div", { class: "pp-row" },
          el("button", { class: "pp-btn pp-yes", type: "button", text: L.consent_yes,
            on: { click: set("yes") } }),
          el("button", { class: "pp-btn pp-no", type: "button", text: L.consent_no,
            on: { click: set("no") } })));
    }
    if (given === "yes") startWatch();
    const denied = given === "yes" && G.fixError === 1;
    const text = given === "yes" ? (denied ? L.consent_denied : L.consent_on) : L.consent_off;
    return el("div", { class: "pp-consent-line", "data-consent": given },
      el("span", { text }),
      el("button", { class: "pp-link", type: "button", text: L.consent_change,
        on: { click: set(given === "yes" ? "no" : "yes") } }));
  }

  function queueList(q) {
    if (!q.length) return null;
    const byKey = Object.fromEntries(data.stops.map((s) => [s.key, s]));
    const list = el("ul", { class: "pp-queue", "aria-label": L.queue_title });
    for (const t of q) {
      const s = byKey[t.stop];
      const what = `${s ? s.seq : "?"} · ${t.status === "done" ? L.done : L.failed} · ` +
        `${t.at.slice(11, 16)}`;
      const item = el("li", { class: t.refused ? "pp-refused" : "pp-waiting",
        "data-outcome": t.outcome_id }, el("span", { text: what }));
      if (t.refused) {
        item.appendChild(el("div", { class: "pp-why", text: t.refused }));
        item.appendChild(el("button", { class: "pp-link", type: "button", text: L.discard,
          on: { click: () => {
            if (!window.confirm(L.discard_confirm)) return;
            save(key, load(key).filter((x) => x.outcome_id !== t.outcome_id));
            render();
          } } }));
      }
      list.appendChild(item);
    }
    return el("div", { class: "pp-queue-box" },
      el("div", { class: "pp-queue-title", text: L.queue_title }), list);
  }

  // The done / failed form; what is typed lives in G.open, so a server update that redraws
  // the page while the courier types loses nothing.
  function form(stop, status) {
    const o = G.open;
    o.time = o.time || clock(new Date());
    const keep = (name) => (ev) => { o[name] = ev.target.value; };
    const f = el("div", { class: "pp-form", "data-form": status });
    const time = el("input", { type: "time", class: "pp-in", "aria-label": L.time,
      "data-field": "time", on: { input: keep("time") } });
    time.value = o.time;
    const note = el("textarea", { class: "pp-in", rows: 2, maxlength: 1000, "aria-label": L.note,
      "data-field": "note", on: { input: keep("note") } });
    note.value = o.note || "";
    const receiver = el("input", { type: "text", class: "pp-in", maxlength: 100,
      autocomplete: "off", "aria-label": L.receiver, "data-field": "receiver",
      on: { input: keep("receiver") } });
    receiver.value = o.receiver || "";
    const fee = el("input", { type: "number", class: "pp-in", min: 0, step: 1000,
      inputmode: "numeric", "aria-label": L.fee, placeholder: "0", "data-field": "fee",
      on: { input: keep("fee") } });
    fee.value = o.fee || "";
    const error = el("div", { class: "pp-error", role: "alert" });
    if (status === "done") {
      f.append(el("label", { text: L.receiver }), receiver, el("label", { text: L.fee }), fee);
    } else {
      const group = el("div", { class: "pp-reasons", role: "radiogroup", "aria-label": L.reason });
      for (const [code, label] of data.reasons) {
        const b = el("button", { class: "pp-reason", type: "button", role: "radio",
          "aria-checked": String(o.reason === code), "data-reason": code, text: label });
        b.addEventListener("click", () => {
          o.reason = code;
          for (const other of group.children) other.setAttribute("aria-checked", String(other === b));
        });
        group.appendChild(b);
      }
      f.append(el("label", { text: L.reason }), group, el("label", { text: L.note }), note);
    }
    f.append(el("label", { text: L.time }), time, error);
    const ok = el("button", { class: "pp-btn pp-save", type: "button", text: L.save });
    ok.addEventListener("click", () => {
      const feeText = (o.fee || "").trim();
      const noteText = (o.note || "").trim();
      if (status === "failed" && !o.reason) { error.textContent = L.need_reason; return; }
      if (status === "failed" && o.reason === "other" && !noteText) {
        error.textContent = L.need_note; return;
      }
      if (feeText && !(Number(feeText) >= 0)) { error.textContent = L.bad_fee; return; }
      if (!/^\d\d:\d\d$/.test(o.time || "")) { error.textContent = L.bad_time; return; }
      record(stop, { status, reason: status === "failed" ? o.reason : null, note: noteText,
        time: o.time, receiver_name: (o.receiver || "").trim(),
        fee_vnd: feeText ? Math.round(Number(feeText)) : null });
    });
    const cancel = el("button", { class: "pp-btn pp-cancel", type: "button", text: L.cancel,
      on: { click: () => { G.open = null; render(); } } });
    f.appendChild(el("div", { class: "pp-row" }, ok, cancel));
    return f;
  }

  function card(stop, q) {
    const mine = q.filter((t) => t.stop === stop.key);
    const last = mine.length ? mine[mine.length - 1] : null;
    const c = el("li", { class: `pp-stop${stop.markable ? "" : " pp-depot"}`,
      "data-stop": stop.key, "data-seq": stop.seq });
    c.appendChild(el("div", { class: "pp-head" },
      el("span", { class: "pp-seq", text: stop.seq }),
      el("span", { class: "pp-kind", text: stop.kind_label }),
      el("span", { class: "pp-when", text: stop.when })));
    c.appendChild(el("div", { class: "pp-label", text: stop.label }));
    if (stop.detail) c.appendChild(el("div", { class: "pp-detail", text: stop.detail }));
    const links = el("div", { class: "pp-links" });
    if (stop.geo) links.appendChild(el("a", { class: "pp-btn pp-nav", href: stop.geo, text: L.navigate }));
    if (stop.gmaps) {
      links.appendChild(el("a", { class: "pp-btn pp-nav", href: stop.gmaps, target: "_blank",
        rel: "noopener noreferrer", text: L.google_maps }));
    }
    if (stop.tel) links.appendChild(el("a", { class: "pp-btn pp-call", href: stop.tel, text: L.call }));
    if (links.childNodes.length) c.appendChild(links);
    if (!stop.markable) return c;
    const shown = last
      ? { text: last.status === "done" ? L.done : L.failed, status: last.status,
        state: last.refused ? "refused" : "queued" }
      : stop.recorded ? { text: stop.recorded, status: stop.recorded_status, state: "stored" }
        : null;
    if (shown) {
      const words = shown.state === "queued" ? L.waiting : shown.state === "refused" ? L.refused : "";
      c.appendChild(el("div", { class: `pp-result pp-${shown.state}`, "data-state": shown.state,
        "data-status": shown.status,
        text: words ? `${shown.text} — ${words}` : shown.text }));
    }
    if (G.open && G.open.stop === stop.key && G.open.key === key) {
      c.appendChild(form(stop, G.open.status));
    } else {
      const open = (status) => () => { G.open = { stop: stop.key, status, key }; render(); };
      c.appendChild(el("div", { class: "pp-row" },
        el("button", { class: "pp-btn pp-done", type: "button", text: L.mark_done,
          "data-action": "done", on: { click: open("done") } }),
        el("button", { class: "pp-btn pp-failed", type: "button", text: L.mark_failed,
          "data-action": "failed", on: { click: open("failed") } })));
    }
    return c;
  }

  // Done / failed / left over the stops, the phone's own taps counting over the server's.
  function progress(q) {
    const n = { done: 0, failed: 0, left: 0 };
    for (const s of data.stops) {
      if (!s.markable) continue;
      const mine = q.filter((t) => t.stop === s.key && !t.refused);
      const last = mine.length ? mine[mine.length - 1].status : s.recorded_status;
      n[last === "done" || last === "failed" ? last : "left"] += 1;
    }
    return L.progress.replace("{done}", n.done).replace("{failed}", n.failed)
      .replace("{left}", n.left);
  }

  // Everything the page shows that can change without a server update.
  function signature(q) {
    return JSON.stringify([statusOf(q), otherDays(), q.map((t) => [t.outcome_id, t.refused || ""]),
      window.localStorage.getItem(data.consent_key), G.fixError, G.storageFailed]);
  }

  function render(note) {
    const q = queue();
    G.shown = signature(q);
    // a redraw replaces the inputs: keep the field being typed in focused
    const active = parentElement.activeElement || document.activeElement;
    const field = active && active.getAttribute ? active.getAttribute("data-field") : null;
    const body = el("div", { class: "pp-body" }, statusBar(q));
    if (note) body.appendChild(el("div", { class: "pp-note", text: note }));
    body.appendChild(consentBox());
    body.appendChild(el("div", { class: "pp-progress", text: progress(q) }));
    const ql = queueList(q);
    if (ql) body.appendChild(ql);
    const list = el("ol", { class: "pp-stops" });
    for (const s of data.stops) list.appendChild(card(s, q));
    body.appendChild(list);
    root.replaceChildren(body);
    const again = field ? root.querySelector(`[data-field="${field}"]`) : null;
    if (again) {
      again.focus();
      if (typeof again.value === "string" && again.setSelectionRange && again.type !== "number"
          && again.type !== "time") {
        again.setSelectionRange(again.value.length, again.value.length);
      }
    }
  }

  async function ping() {
    try {
      const r = await fetch(data.health_url, { cache: "no-store" });
      G.healthOk = r.ok;
    } catch (e) {
      G.healthOk = false;
    }
  }

  render();
  send(false);
  const onChange = () => {
    if (navigator.onLine) G.backAt = Date.now();
    render();
    send(true);
  };
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  const timer = window.setInterval(async () => {
    const before = online();
    await ping();
    if (!before && online()) G.backAt = Date.now();
    // redraw only when something shown changed: a tap never lands on a replaced button
    if (!G.busy && signature(queue()) !== G.shown) render();
    send(!before && online());
  }, PING_MS);
  G.cleanup = () => {
    window.clearInterval(timer);
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
    G.cleanup = null;
  };
  return G.cleanup;
}
