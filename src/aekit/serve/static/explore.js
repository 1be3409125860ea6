// aekit explore: the page of `aekit serve`. Plain JS and canvas, no dependencies, so the
// page works offline and ships inside the Python package. Every number shown comes from
// the server's endpoints (docs/serve.md); window.aekit exposes state for the tests.
"use strict";

const $ = (id) => document.getElementById(id);
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const state = {
  run: null, info: null, map: null, picked: null, second: null, code: null,
  decodeBusy: false, decodePending: null, latencies: [], decodes: 0, firstDecodeMs: null,
  mapPixels: [], restoring: false,
};
window.aekit = state;

function status(msg, ok = false) {
  const el = $("status");
  el.textContent = msg || "";
  el.className = ok ? "ok" : "";
}

async function api(path, opts = {}) {
  const res = await fetch(path, opts);
  const type = res.headers.get("content-type") || "";
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    if (type.includes("json")) msg = (await res.json()).error || msg;
    throw new Error(msg);
  }
  return type.includes("json") ? res.json() : res.blob();
}

const postJSON = (path, body) => api(path, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
});
const runPath = (op) => `/runs/${encodeURIComponent(state.run)}/${op}`;
const has = (op) => state.info && state.info.operations.includes(op);

// -- start ------------------------------------------------------------------------------
async function start() {
  let runs;
  try {
    runs = (await api("/runs")).runs;
  } catch (e) { status(`cannot list the runs: ${e.message}`); return; }
  const sel = $("run-select");
  for (const r of runs) sel.add(new Option(`${r.name} (${r.model})`, r.name));
  const wanted = new URLSearchParams(location.search).get("run");
  if (wanted && runs.some((r) => r.name === wanted)) sel.value = wanted;
  sel.addEventListener("change", () => {
    const u = new URL(location.href); u.searchParams.set("run", sel.value);
    history.replaceState(null, "", u); choose(runs.find((r) => r.name === sel.value));
  });
  wire();
  await choose(runs.find((r) => r.name === sel.value) || runs[0]);
}

async function choose(info) {
  Object.assign(state, { run: info.name, info, map: null, picked: null, second: null,
    code: null, latencies: [] });
  $("run-info").textContent = `${info.model} · ${info.task} · input ${info.input_shape.join("×")}` +
    (info.code_size ? ` · code ${info.code_size}` : "") + ` · ${info.operations.join(", ")}`;
  const image = info.input_shape.length === 3;
  const show = (id, on) => { $(id).hidden = !on; };
  const mapped = has("encode") && image && !info.any_size;
  show("map-panel", mapped);
  show("pad-panel", has("decode") && image && !info.discrete_code && !info.any_size);
  show("interp-panel", has("interpolate"));
  show("gen-panel", has("generate") || has("traverse"));
  $("sample-go").hidden = !has("generate");
  $("traverse-go").hidden = !has("traverse");
  show("style-panel", has("style"));
  show("restore-panel", has("denoise") || has("upscale"));
  show("anom-panel", has("score") && mapped);
  $("restore-title").textContent = has("upscale")
    ? `Super-resolution playground (×${info.scale})` : "Denoising playground";
  for (const id of ["picked", "interp-strip", "gen-grid", "style-grid", "restore-out", "decoded"]) {
    $(id).hidden = true;
  }
  status("");
  if (!$("pad-panel").hidden) {
    state.code = new Array(info.code_size).fill(0);
    buildSliders();
  }
  if (state.code) requestDecode();  // the pad answers at once; the map follows
  const tasks = [];
  if (mapped) tasks.push(loadMap("auto"));
  if (!$("anom-panel").hidden) tasks.push(loadAnomalies());
  await Promise.all(tasks);
}

// -- latent map ---------------------------------------------------------------------------
async function loadMap(method) {
  $("map-note").textContent = method === "tsne" ? "(t-SNE: a few seconds…)"
    : "(encoding the test split…)";
  try {
    state.map = await api(`${runPath("map")}?method=${method}`);
  } catch (e) {
    $("map-note").textContent = e.message;
    return;
  }
  const codes = state.map.code_size;
  const opt = $("map-method");
  opt.options[0].disabled = codes !== 2;
  opt.value = state.map.method;
  $("map-note").textContent = `${state.map.points.length} test samples · ` +
    (state.map.method === "codes" ? "the 2-D codes themselves" : `${state.map.method} of ${codes}-D codes`);
  drawMap();
  drawLegend();
  if (state.code && state.picked === null && state.map.code_median
      && state.code.every((v) => v === 0)) {
    state.code = state.map.code_median.slice();  // start where the data is, not at 0
    requestDecode();
  }
  if (state.code) { syncSliders(); drawPad(); }
}

function colourOf(i) {
  const y = state.map.labels ? state.map.labels[i] : null;
  return y === null ? "#555" : PALETTE[((y % 10) + 10) % 10];
}

function mapTransform(canvas) {
  const pts = state.map.points;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  const m = 16, w = canvas.width - 2 * m, h = canvas.height - 2 * m;
  const sx = w / Math.max(x1 - x0, 1e-9), sy = h / Math.max(y1 - y0, 1e-9);
  return ([x, y]) => [m + (x - x0) * sx, m + (y1 - y) * sy];
}

function drawMap() {
  const canvas = $("map"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const tf = mapTransform(canvas);
  state.mapPixels = state.map.points.map(tf);
  state.mapPixels.forEach(([px, py], i) => {
    ctx.fillStyle = colourOf(i); ctx.globalAlpha = 0.75;
    ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI); ctx.fill();
  });
  ctx.globalAlpha = 1;
  for (const [idx, tag] of [[state.picked, "A"], [state.second, "B"]]) {
    if (idx === null) continue;
    const [px, py] = state.mapPixels[idx];
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(px, py, 7, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = "#000"; ctx.font = "bold 13px system-ui"; ctx.fillText(tag, px + 9, py - 7);
  }
  canvas.dataset.points = String(state.mapPixels.length);
}

function drawLegend() {
  const el = $("legend"); el.innerHTML = "";
  if (!state.map.labels) return;
  const seen = [...new Set(state.map.labels)].sort((a, b) => a - b);
  for (const y of seen) {
    const name = state.map.classes && state.map.classes[y] !== undefined ? state.map.classes[y] : y;
    const span = document.createElement("span");
    span.innerHTML = `<i style="background:${PALETTE[((y % 10) + 10) % 10]}"></i>`;
    span.append(String(name));
    el.append(span);
  }
}

function nearest(ev) {
  const canvas = $("map"), r = canvas.getBoundingClientRect();
  const x = (ev.clientX - r.left) * (canvas.width / r.width);
  const y = (ev.clientY - r.top) * (canvas.height / r.height);
  let best = -1, bestD = 100;  // within 10 canvas pixels
  state.mapPixels.forEach(([px, py], i) => {
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d < bestD) { best = i; bestD = d; }
  });
  return best;
}

function onMapMove(ev) {
  if (!state.map) return;
  const i = nearest(ev), tip = $("tooltip");
  if (i < 0) { tip.hidden = true; return; }
  const [px, py] = state.mapPixels[i], c = $("map"), scale = c.getBoundingClientRect().width / c.width;
  tip.querySelector("img").src = `${runPath("samples")}/${i}.png`;
  const y = state.map.labels ? state.map.labels[i] : null;
  tip.querySelector("span").textContent = `#${i}` + (y === null ? "" : ` · ${state.map.classes ? state.map.classes[y] : y}`);
  tip.style.left = `${Math.min(px * scale + 12, c.clientWidth - 80)}px`;
  tip.style.top = `${py * scale + 12}px`;
  tip.hidden = false;
}

async function onMapClick(ev) {
  if (!state.map) return;
  const i = nearest(ev);
  if (i < 0) return;
  if (ev.shiftKey && state.picked !== null) state.second = i; else { state.picked = i; state.second = null; }
  drawMap();
  updateEnds();
  if (ev.shiftKey && state.second !== null) return;
  try {
    const s = await api(`${runPath("samples")}/${i}`);
    $("picked-input").src = s.input;
    $("picked-rec").src = s.reconstruction || s.input;
    const cls = s.label !== null && state.map.classes ? state.map.classes[s.label] : s.label;
    $("picked-text").textContent = `test sample #${i}` + (s.label === null ? "" : ` · ${cls}`);
    $("picked").hidden = false;
    if (s.code && state.code) { state.code = s.code.slice(); syncSliders(); drawPad(); requestDecode(); }
  } catch (e) { status(e.message); }
}

function updateEnds() {
  $("ends").textContent = `A: ${state.picked === null ? "–" : "#" + state.picked} · B: ${state.second === null ? "–" : "#" + state.second}`;
  $("interp-go").disabled = state.picked === null || state.second === null;
}

// -- latent pad and sliders ----------------------------------------------------------------
function codeRange(j) {
  const m = state.map;
  if (m && m.code_min) return [m.code_min[j], m.code_max[j]];
  return [-3, 3];
}

function buildSliders() {
  const el = $("sliders"); el.innerHTML = "";
  const d = state.info.code_size, two = d === 2;
  $("pad").hidden = !two; el.hidden = two;
  if (two) { drawPad(); return; }
  for (let j = 0; j < Math.min(16, d); j++) {
    const lab = document.createElement("label"); lab.textContent = `z${j}`;
    const s = document.createElement("input");
    Object.assign(s, { type: "range", min: -4, max: 4, step: 0.01, value: 0 });
    s.id = `z${j}`;
    s.addEventListener("input", () => { state.code[j] = Number(s.value); requestDecode(); });
    el.append(lab, s);
  }
}

function syncSliders() {
  for (let j = 0; j < Math.min(16, state.code.length); j++) {
    const s = $(`z${j}`);
    if (!s) continue;
    const [lo, hi] = codeRange(j);
    s.min = Math.min(lo, state.code[j]); s.max = Math.max(hi, state.code[j]);
    s.step = (s.max - s.min) / 400; s.value = state.code[j];
  }
}

function drawPad() {
  const c = $("pad");
  if (c.hidden || !state.code) return;
  const ctx = c.getContext("2d"), [x0, x1] = codeRange(0), [y0, y1] = codeRange(1);
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.strokeStyle = "#e3e7ec"; ctx.lineWidth = 1;
  for (let k = 1; k < 8; k++) {
    const t = (k / 8) * c.width;
    ctx.beginPath(); ctx.moveTo(t, 0); ctx.lineTo(t, c.height); ctx.moveTo(0, t); ctx.lineTo(c.width, t); ctx.stroke();
  }
  if (state.map && state.map.method === "codes") {  // the test codes, faint, so the pad shows where the data lives
    ctx.globalAlpha = 0.35;
    state.map.points.forEach(([x, y], i) => {
      ctx.fillStyle = colourOf(i);
      ctx.fillRect((x - x0) / (x1 - x0) * c.width - 2, (y1 - y) / (y1 - y0) * c.height - 2, 4, 4);
    });
    ctx.globalAlpha = 1;
  }
  const px = (state.code[0] - x0) / (x1 - x0) * c.width, py = (y1 - state.code[1]) / (y1 - y0) * c.height;
  ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
  ctx.beginPath(); ctx.arc(px, py, 8, 0, 2 * Math.PI); ctx.stroke();
  ctx.fillStyle = "#5b6673"; ctx.font = "11px system-ui";
  ctx.fillText(`z0 ${x0.toFixed(1)} … ${x1.toFixed(1)}`, 4, c.height - 5);
  ctx.save(); ctx.translate(12, c.height - 90); ctx.rotate(-Math.PI / 2);
  ctx.fillText(`z1 ${y0.toFixed(1)} … ${y1.toFixed(1)}`, 0, 0); ctx.restore();
}

function padToCode(ev) {
  const c = $("pad"), r = c.getBoundingClientRect();
  const fx = Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1);
  const fy = Math.min(Math.max((ev.clientY - r.top) / r.height, 0), 1);
  const [x0, x1] = codeRange(0), [y0, y1] = codeRange(1);
  state.code[0] = x0 + fx * (x1 - x0);
  state.code[1] = y1 - fy * (y1 - y0);
  drawPad(); requestDecode();
}

// One decode in flight at a time; while it runs only the latest code waits (drags stay smooth).
function requestDecode() {
  if (!state.code) return;
  if (state.decodeBusy) { state.decodePending = state.code.slice(); return; }
  decodeNow(state.code.slice());
}

async function decodeNow(code) {
  state.decodeBusy = true;
  const t0 = performance.now();
  try {
    const out = await postJSON(`${runPath("decode")}?format=json`, { codes: [code],
      labels: state.info.n_classes ? [0] : null });
    $("decoded").src = out.images[0];
    $("decoded").hidden = false;
    const ms = performance.now() - t0;
    state.latencies.push(ms); if (state.latencies.length > 50) state.latencies.shift();
    state.decodes += 1;
    if (state.firstDecodeMs === null) state.firstDecodeMs = performance.now();
    const sorted = [...state.latencies].sort((a, b) => a - b);
    $("latency").textContent = `decode ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms (median of ${sorted.length})`;
    $("code-text").textContent = `z = [${code.slice(0, 8).map((v) => v.toFixed(2)).join(", ")}${code.length > 8 ? ", …" : ""}]`;
  } catch (e) { status(`decode: ${e.message}`); }
  state.decodeBusy = false;
  if (state.decodePending) { const next = state.decodePending; state.decodePending = null; decodeNow(next); }
}

// -- interpolation, samples, traversal, style ------------------------------------------
async function interpolate() {
  const steps = Math.max(2, Math.min(64, Number($("interp-steps").value) || 10));
  try {
    const out = await postJSON(`${runPath("interpolate")}`, { indices: [state.picked, state.second],
      steps, label: state.info.n_classes ? 0 : null });
    showBlob("interp-strip", out);
  } catch (e) { status(`interpolate: ${e.message}`); }
}

let seed = 0;
async function sample() {
  try {
    showBlob("gen-grid", await postJSON(runPath("generate"), { n: 16, seed }));
    $("gen-note").textContent = `seed ${seed}`; seed += 1;
  } catch (e) { status(`sample: ${e.message}`); }
}

async function traverse() {
  const body = { steps: 9, dims: Math.min(10, state.info.code_size || 10),
    label: state.info.n_classes ? 0 : null };
  if (state.picked !== null && has("encode")) body.index = state.picked;
  try {
    showBlob("gen-grid", await postJSON(runPath("traverse"), body));
    $("gen-note").textContent = `rows: code dimensions, ±2.5 around ${body.index === undefined ? "the zero code" : "sample #" + body.index}`;
  } catch (e) { status(`traverse: ${e.message}`); }
}

function showBlob(id, blob) {
  const img = $(id);
  if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
  img.dataset.url = URL.createObjectURL(blob);
  img.src = img.dataset.url; img.hidden = false;
}

async function style(file) {
  const form = new FormData(); form.append("image", file);
  try { showBlob("style-grid", await api(runPath("style"), { method: "POST", body: form })); }
  catch (e) { status(`style: ${e.message}`); }
}

// -- restoration playground ----------------------------------------------------------------
async function restore(file) {
  if (!file || state.restoring) return;
  state.restoring = true;
  const op = has("upscale") ? "upscale" : "denoise";
  const form = new FormData(); form.append("image", file);
  const clean = $("clean-file").files[0];
  const simulate = $("simulate").checked && !clean;
  if (clean) form.append("clean", clean);
  status(`${op}: working on ${file.name}…`, true);
  try {
    const out = await api(`${runPath(op)}?compare=true&simulate=${simulate}`, { method: "POST", body: form });
    const it = out.items[0];
    $("restore-before").src = it.baseline;
    $("restore-result").src = it.result;
    $("download").href = it.result;
    $("download").download = `${file.name.replace(/\.[^.]+$/, "")}_${op}.png`;
    const base = it.baseline_name === "bicubic" ? "bicubic" : (simulate ? "noisy input" : "input");
    let text = `${it.size[0]}×${it.size[1]} · left of the line: aekit, right: ${base}`;
    if (it.psnr) text += ` · PSNR ${it.psnr.result.toFixed(2)} dB (aekit) vs ${it.psnr.baseline.toFixed(2)} dB (${base})`;
    $("restore-text").textContent = text;
    $("restore-out").hidden = false;
    $("restore-result").dataset.ready = "1";
    status("", true);
    fitCompare();
  } catch (e) { status(`${op}: ${e.message}`); }
  state.restoring = false;
}

function fitCompare() {
  const before = $("restore-before"), w = before.getBoundingClientRect().width;
  $("compare").classList.toggle("small", before.naturalWidth > 0 && before.naturalWidth < 320);
  if (w) $("compare").style.setProperty("--w", `${w}px`);
  $("after-clip").style.width = `${$("compare-slider").value}%`;
}

// -- anomalies -----------------------------------------------------------------------------
async function loadAnomalies() {
  $("anom-note").textContent = "(scoring the test and validation splits…)";
  let a;
  try { a = await api(runPath("anomalies")); }
  catch (e) { $("anom-note").textContent = e.message; return; }
  $("anom-note").textContent = `${a.above} of ${a.n} test samples above the threshold ` +
    `${a.threshold.toPrecision(3)} (the ${a.quantile} quantile of validation scores)`;
  const c = $("hist"), ctx = c.getContext("2d"), { counts, edges } = a.histogram;
  ctx.clearRect(0, 0, c.width, c.height);
  const lo = edges[0], hi = Math.max(edges[edges.length - 1], a.threshold), top = Math.max(...counts, 1);
  const X = (v) => 30 + (v - lo) / (hi - lo || 1) * (c.width - 40), H = c.height - 24;
  counts.forEach((n, i) => {
    ctx.fillStyle = edges[i] >= a.threshold ? "#c62828" : "#1f6feb";
    const x = X(edges[i]), w = Math.max(1, X(edges[i + 1]) - x - 1), h = n / top * (H - 10);
    ctx.fillRect(x, H - h, w, h);
  });
  ctx.strokeStyle = "#000"; ctx.setLineDash([4, 3]);
  ctx.beginPath(); ctx.moveTo(X(a.threshold), 0); ctx.lineTo(X(a.threshold), H); ctx.stroke();
  ctx.setLineDash([]); ctx.fillStyle = "#1d232a"; ctx.font = "11px system-ui";
  const tx = X(a.threshold);
  ctx.textAlign = tx > c.width - 70 ? "right" : "left";
  ctx.fillText("threshold", tx + (ctx.textAlign === "right" ? -4 : 4), 12);
  ctx.textAlign = "left";
  ctx.fillText(lo.toPrecision(3), 30, c.height - 6);
  ctx.fillText(hi.toPrecision(3), c.width - 50, c.height - 6);
  ctx.fillText("score →", c.width / 2 - 20, c.height - 6);
  const el = $("top"); el.innerHTML = "";
  for (const t of a.top) {
    const f = document.createElement("figure");
    if (t.score > a.threshold) f.className = "over";
    f.innerHTML = `<img alt="sample ${t.index}" src="${runPath("samples")}/${t.index}.png">`;
    const cap = document.createElement("figcaption");
    cap.textContent = `#${t.index} · ${t.score.toPrecision(3)}` + (t.label === null ? "" : ` · ${t.label}`);
    f.append(cap); el.append(f);
  }
}

// -- wiring --------------------------------------------------------------------------------
function wire() {
  const map = $("map");
  map.addEventListener("mousemove", onMapMove);
  map.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  map.addEventListener("click", onMapClick);
  $("map-method").addEventListener("change", (e) => loadMap(e.target.value));
  const pad = $("pad");
  pad.addEventListener("pointerdown", (e) => { pad.setPointerCapture(e.pointerId); pad.dataset.drag = "1"; padToCode(e); });
  pad.addEventListener("pointermove", (e) => { if (pad.dataset.drag) padToCode(e); });
  pad.addEventListener("pointerup", () => { delete pad.dataset.drag; });
  pad.addEventListener("pointercancel", () => { delete pad.dataset.drag; });
  $("interp-go").addEventListener("click", interpolate);
  $("sample-go").addEventListener("click", sample);
  $("traverse-go").addEventListener("click", traverse);
  $("style-file").addEventListener("change", (e) => style(e.target.files[0]));
  $("restore-file").addEventListener("change", (e) => restore(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); restore(e.dataTransfer.files[0]); });
  $("compare-slider").addEventListener("input", fitCompare);
  $("restore-before").addEventListener("load", fitCompare);
  window.addEventListener("resize", fitCompare);
}

start();
