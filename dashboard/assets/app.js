// swarm's dashboard: renders the orchestrator's views and follows its
// event stream. It judges nothing: every figure is the server's (the
// status object, the drones and queue views); events only drive the
// per-drone timeline, the recent failures, and when to ask again.
"use strict";

const state = {
  lastSeq: 0,       // the last event seen (or the status's seq at load)
  gaps: 0,          // events the stream skipped: should stay 0
  received: 0,      // events received
  drones: new Map(), // id -> row of /v1/drones, replaced by id
  timeline: new Map(), // drone -> [{atom, state, from, to}]
  failures: [],     // newest first: {atom, drone, signature, reason, excerpt, time, seq}
  status: null,
  queue: [],
};
const MAX_TIMELINE = 40, MAX_FAILURES = 20, MAX_QUEUE_ROWS = 200;
// Events that change the queue view; the others leave it as it is.
const QUEUE_EVENTS = new Set(["enqueued", "dequeued", "claimed", "completed", "failed", "returned",
  "reclaimed", "excluded", "included", "start_failed", "promoted", "pruned", "fresh_completed"]);

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    // The page's Content-Security-Policy forbids style attributes; the
    // CSSOM is allowed.
    if (k === "class") e.className = v; else if (k === "flex") e.style.flex = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}

async function getJSON(path) {
  const r = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (r.status === 401) { location.href = "/"; throw new Error("unauthorized"); }
  if (!r.ok) throw new Error(path + ": HTTP " + r.status);
  return r.json();
}

// ---- refreshing the views (debounced: at most a few times a second) ----

let refreshTimer = null, refreshQueue = false, refreshing = false, again = false, lastQueueFetch = 0;
const QUEUE_EVERY = 1000;
function scheduleRefresh(queueToo) {
  refreshQueue = refreshQueue || queueToo;
  if (refreshTimer) return;
  refreshTimer = setTimeout(refresh, 150);
}

async function refresh() {
  refreshTimer = null;
  if (refreshing) { again = true; return; }
  refreshing = true;
  // The queue may be thousands of rows: fetched at most once a second.
  const queueDue = lastQueueFetch + QUEUE_EVERY - Date.now();
  const withQueue = refreshQueue && queueDue <= 0;
  refreshQueue = refreshQueue && !withQueue;
  if (refreshQueue) setTimeout(() => scheduleRefresh(false), queueDue);
  if (withQueue) lastQueueFetch = Date.now();
  try {
    const [status, drones, queue] = await Promise.all([getJSON("/v1/status"), getJSON("/v1/drones"),
      withQueue ? getJSON("/v1/queue") : Promise.resolve(null)]);
    state.status = status;
    for (const d of drones) state.drones.set(d.id, d);
    if (queue) state.queue = queue;
    render();
  } catch (err) {
    refreshQueue = refreshQueue || withQueue; // try again with the next event
  } finally {
    refreshing = false;
    if (again) { again = false; scheduleRefresh(false); }
  }
}

// ---- the event stream ----

function follow() {
  const es = new EventSource("/v1/events?after=" + state.lastSeq);
  es.onopen = () => setStream("live");
  es.onerror = () => setStream(es.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
  es.onmessage = (m) => {
    const seq = Number(m.lastEventId);
    if (!(seq > state.lastSeq)) return; // seen already
    if (seq !== state.lastSeq + 1) state.gaps += seq - state.lastSeq - 1;
    state.lastSeq = seq;
    state.received++;
    let e;
    try { e = JSON.parse(m.data); } catch (_) { return; }
    apply(e);
    scheduleRefresh(QUEUE_EVENTS.has(e.type));
    markSeq();
  };
}

function setStream(s) {
  document.body.dataset.stream = s;
  const b = $("#stream");
  b.textContent = s === "live" ? "live" : s + "…";
  b.className = "stream " + (s === "live" ? "live" : "down");
}

function markSeq() {
  const b = document.body.dataset;
  b.lastSeq = String(state.lastSeq);
  b.gaps = String(state.gaps);
  b.events = String(state.received);
  $("#seq").textContent = "event " + state.lastSeq + (state.gaps ? " · " + state.gaps + " missed" : "");
}

// apply folds one event into the timeline and the failures.
function apply(e) {
  const t = e.time;
  switch (e.type) {
    case "claimed":
      track(e.drone).push({ atom: e.atom, state: "building", from: t, to: null });
      break;
    case "completed": end(e.drone, e.atom, "done", t); break;
    case "failed":
    case "start_failed":
      end(e.drone, e.atom, "failed", t);
      state.failures.unshift({ atom: e.atom, drone: e.drone, signature: e.signature || "",
        reason: e.reason || "", excerpt: e.excerpt || "", time: t, seq: e.seq, final: !!e.final });
      state.failures.length = Math.min(state.failures.length, MAX_FAILURES);
      break;
    case "returned":
    case "reclaimed": end(e.drone, e.atom, "returned", t); break;
  }
}

function track(drone) {
  if (!state.timeline.has(drone)) state.timeline.set(drone, []);
  const list = state.timeline.get(drone);
  if (list.length >= MAX_TIMELINE) list.shift();
  return list;
}

function end(drone, atom, how, t) {
  const list = state.timeline.get(drone) || [];
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i].atom === atom && list[i].state === "building") { list[i].state = how; list[i].to = t; return; }
  }
  track(drone).push({ atom, state: how, from: t, to: t });
}

// ---- rendering ----

function render() {
  renderSummary(); renderAlerts(); renderDrones(); renderTimeline(); renderFailures(); renderQueue(); renderBinhost();
}

function card(label, value, note) {
  return el("div", { class: "card" }, label, el("b", {}, value), el("span", { class: "muted" }, note || ""));
}

function renderSummary() {
  const s = state.status; if (!s) return;
  const q = s.queue, d = s.drones, b = s.binary;
  const pct = b.total ? (100 * b.available / b.total).toFixed(1) + "%" : "–";
  $("#summary").replaceChildren(
    card("Queue", q.needed + " needed", q.building + " building · " + q.built + " built · " + q.failed + " failed · " + q.excluded + " excluded · " + q.blocked + " blocked"),
    card("Drones", d.online + "/" + d.total + " online", d.grounded + " grounded · " + d.building + " building"),
    card("Binary", pct, b.available + "/" + b.total + " available"),
    card("Rate", s.rate_per_hour + "/hr", "builds completed in the last hour"),
    card("Sync", s.sync.time ? new Date(s.sync.time).toLocaleString() : "never", s.sync.tree || ""));
}

function renderAlerts() {
  const s = state.status; if (!s) return;
  const out = [];
  const alert = (text, warn) => out.push(el("div", { class: warn ? "alert warn" : "alert", "data-alert": "" }, text));
  if (s.paused) alert("Dispatching paused: " + (s.paused.reason || "no reason given") + (s.paused.since ? " (since " + new Date(s.paused.since).toLocaleString() + ")" : ""));
  if (s.stuck) alert(s.stuck);
  if (s.queue_stale) alert(s.queue_stale, true);
  if (s.fresh_overdue) alert(s.fresh_overdue, true);
  for (const n of s.unpromoted || []) alert(n.atom + ": " + n.reason);
  for (const n of s.stalling || []) alert(n.atom + ": " + n.reason, true);
  for (const n of s.held || []) alert(n.atom + " held: " + n.reason, true);
  for (const d of s.stale_drones || []) alert(d.id + " is on another portage tree (" + d.tree + ") and gets no work", true);
  $("#alerts").replaceChildren(...out);
}

function ago(t) {
  if (!t) return "never";
  const s = Math.max(0, Math.round((Date.now() - new Date(t).getTime()) / 1000));
  return s < 60 ? s + "s ago" : s < 3600 ? Math.round(s / 60) + "m ago" : Math.round(s / 3600) + "h ago";
}

function renderDrones() {
  const rows = [...state.drones.values()].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  $("#drones tbody").replaceChildren(...rows.map((d) => el("tr", { "data-drone": d.id, "data-status": d.status },
    el("td", { class: "id", title: d.id }, d.id),
    el("td", { class: "status st-" + d.status }, d.status + (d.ground_reason ? " (" + d.ground_reason + ")" : "")),
    el("td", { class: "health" }, d.health || "–"),
    el("td", { class: "tasks", title: (d.tasks || []).join(" ") }, (d.tasks || []).join(", ") || "–"),
    el("td", {}, d.online ? Math.round(d.cpu_percent) + "%" : "–"),
    el("td", {}, d.online ? Math.round(d.memory_percent) + "%" : "–"),
    el("td", {}, ago(d.last_seen)))));
}

function renderTimeline() {
  const ids = [...new Set([...state.drones.keys(), ...state.timeline.keys()])].sort();
  $("#timeline").replaceChildren(...ids.map((id) => {
    const list = state.timeline.get(id) || [];
    const bar = el("div", { class: "tl-bar" });
    let prevEnd = null;
    for (const b of list) {
      const from = new Date(b.from).getTime(), to = b.to ? new Date(b.to).getTime() : Date.now();
      if (prevEnd !== null && from - prevEnd > 1000) bar.append(el("span", { class: "waiting", title: "waiting " + Math.round((from - prevEnd) / 1000) + "s", flex: String(Math.log10(from - prevEnd)) }));
      bar.append(el("span", { class: b.state, title: b.atom + ": " + b.state + " " + Math.round((to - from) / 1000) + "s", "data-atom": b.atom, flex: String(Math.max(1, Math.log10(Math.max(to - from, 1)))) }));
      prevEnd = to;
    }
    return el("div", { class: "tl-row", "data-drone": id }, el("span", { class: "who", title: id }, id), bar);
  }));
}

function renderFailures() {
  const box = $("#failures");
  let list = state.failures;
  if (!list.length) { // before any failure was seen live: the queue's last ones
    list = state.queue.filter((r) => r.last_failure).sort((a, b) => (b.last_failure_seq || 0) - (a.last_failure_seq || 0))
      .slice(0, MAX_FAILURES).map((r) => ({ atom: r.atom, drone: (r.failed_on || []).join(", "), reason: r.last_failure, signature: "", excerpt: "" }));
  }
  if (!list.length) { box.replaceChildren(el("p", { class: "muted" }, "none")); return; }
  box.replaceChildren(...list.map((f) => el("div", { class: "failure", "data-atom": f.atom },
    el("b", {}, f.atom), " on ", f.drone || "?", f.signature ? " — " + f.signature : "", f.final ? " (final)" : "",
    el("div", {}, f.reason), f.excerpt ? el("pre", {}, f.excerpt) : "")));
}

function renderQueue() {
  const order = { building: 0, needed: 1, failed: 2, blocked: 3, built: 4, excluded: 5 };
  const rows = [...state.queue].sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9));
  $("#queue-note").textContent = rows.length > MAX_QUEUE_ROWS ? "(first " + MAX_QUEUE_ROWS + " of " + rows.length + ")" : "";
  $("#queue tbody").replaceChildren(...rows.slice(0, MAX_QUEUE_ROWS).map((r) => el("tr", { "data-atom": r.atom },
    el("td", { title: r.atom }, r.atom), el("td", { class: "st-" + r.state }, r.state), el("td", {}, r.attempts),
    el("td", {}, r.drone || "–"), el("td", { title: r.last_failure || "" }, r.last_failure || ""))));
}

function renderBinhost() {
  const s = state.status; if (!s) return;
  const h = s.binhost || {};
  const mib = (n) => ((n || 0) / 1048576).toFixed(1) + " MiB";
  $("#binhost").replaceChildren(el("p", {}, (h.builds || 0) + " builds in the index (" + mib(h.bytes) + "); " +
    (h.pruned || 0) + " pruned (" + mib(h.pruned_bytes) + "). " +
    ((s.unpromoted || []).length ? (s.unpromoted.length + " built but not promoted.") : "Every build is promoted.")));
}

// loadFailures fills the recent failures at load from the queue's last
// failures, fetching each failed event (its log excerpt) by seq: a stream
// of one event, ?limit=1.
async function loadFailures() {
  const rows = state.queue.filter((r) => r.last_failure_seq).sort((a, b) => b.last_failure_seq - a.last_failure_seq).slice(0, 10);
  const found = [];
  await Promise.all(rows.map(async (r) => {
    try {
      const resp = await fetch("/v1/events?limit=1&after=" + (r.last_failure_seq - 1), { credentials: "same-origin" });
      const text = await resp.text();
      const line = text.split("\n").find((l) => l.startsWith("data: "));
      if (!line) return;
      const e = JSON.parse(line.slice(6));
      found.push({ atom: e.atom, drone: e.drone, signature: e.signature || "", reason: e.reason || "",
        excerpt: e.excerpt || "", time: e.time, seq: e.seq, final: !!e.final });
    } catch (_) { /* the queue's one-line reason stays */ }
  }));
  const live = new Set(state.failures.map((f) => f.seq));
  state.failures = state.failures.concat(found.filter((f) => !live.has(f.seq)))
    .sort((a, b) => b.seq - a.seq).slice(0, MAX_FAILURES);
  renderFailures();
}

// ---- start ----

async function start() {
  markSeq();
  for (;;) {
    try {
      const [status, drones, queue] = await Promise.all([getJSON("/v1/status"), getJSON("/v1/drones"), getJSON("/v1/queue")]);
      state.status = status; state.queue = queue; state.lastSeq = status.seq;
      document.body.dataset.firstSeq = String(status.seq);
      for (const d of drones) state.drones.set(d.id, d);
      break;
    } catch (err) {
      setStream("unreachable");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  markSeq();
  render();
  follow();
  loadFailures();
  setInterval(renderTimeline, 5000); // grow the bars of builds in progress
}
start();
