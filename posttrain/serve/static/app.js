// posttrain's page: chat, blind comparison and review. Model output is only ever set as
// textContent, never as HTML. Nothing is loaded from outside this server.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { models: [], chat: [], item: null, busy: false };

function status(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("apikey").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

async function api(path, body) {
  const init = body === undefined ? { headers: headers() } : { method: "POST", headers: headers(), body: JSON.stringify(body) };
  const r = await fetch(path, init);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((data.error && data.error.message) || r.status + " " + r.statusText);
  return data;
}

function remember(id) {
  const el = $(id);
  el.value = localStorage.getItem("posttrain." + id) || el.value;
  el.addEventListener("change", () => localStorage.setItem("posttrain." + id, el.value));
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ------------------------------------------------------------------ tabs

function show(tab) {
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== tab;
  if (tab === "review") refreshReview();
}

// ------------------------------------------------------------------ chat

function settings(prefix) {
  return {
    temperature: parseFloat($(prefix + "temperature").value),
    top_p: parseFloat($(prefix + "top-p").value),
    max_tokens: parseInt($(prefix + "max-tokens").value, 10),
  };
}

function chatMessages() {
  const system = $("chat-system").value.trim();
  return (system ? [{ role: "system", content: system }] : []).concat(state.chat.map((m) => ({ role: m.role, content: m.content })));
}

function renderChat() {
  const log = $("chat-log");
  log.replaceChildren();
  state.chat.forEach((m, i) => {
    const div = el("div", "msg " + m.role);
    div.appendChild(el("span", "who", m.role === "user" ? "You" : "Assistant"));
    const pre = el("pre", "text", m.content);
    m.node = pre;
    div.appendChild(pre);
    if (m.role === "assistant" && m.done) {
      const t = el("div", "thumbs");
      for (const [label, up] of [["👍", true], ["👎", false]]) {
        const b = el("button", up ? "up" : "down", label);
        b.title = up ? "good answer (KTO label: desirable)" : "bad answer (KTO label: undesirable)";
        b.disabled = m.rated !== undefined;
        b.addEventListener("click", () => rate(i, up));
        t.appendChild(b);
      }
      div.appendChild(t);
    }
    log.appendChild(div);
  });
}

async function rate(i, up) {
  const m = state.chat[i];
  const messages = chatMessages().slice(0, ($("chat-system").value.trim() ? 1 : 0) + i + 1);
  try {
    await api("/ui/api/feedback", { model: m.model, messages, label: up, settings: m.settings, rater: $("rater").value });
    m.rated = up;
    renderChat();
    status("saved: thumbs " + (up ? "up" : "down"));
  } catch (e) { status("not saved: " + e.message, true); }
}

async function send(ev) {
  ev.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || state.busy) return;
  state.busy = true;
  $("chat-send").disabled = true;
  $("chat-input").value = "";
  state.chat.push({ role: "user", content: text });
  const model = $("chat-model").value, s = settings("chat-");
  const answer = { role: "assistant", content: "", model, settings: s, done: false };
  const messages = chatMessages();
  state.chat.push(answer);
  renderChat();
  try {
    const r = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(), body: JSON.stringify({ model, messages, stream: true, ...s }),
    });
    if (!r.ok) {
      const data = await r.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || r.statusText);
    }
    const reader = r.body.getReader(), decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const delta = chunk.choices[0] && chunk.choices[0].delta.content;
        if (delta) {
          answer.content += delta;
          answer.node.textContent = answer.content;
        }
      }
    }
    answer.done = true;
    status("");
  } catch (e) {
    state.chat.splice(-2, 2);
    $("chat-input").value = text;
    status("chat failed: " + e.message, true);
  } finally {
    state.busy = false;
    $("chat-send").disabled = false;
    renderChat();
  }
}

// ------------------------------------------------------------------ compare

function ratingInputs() {
  for (const div of document.querySelectorAll(".ratings")) {
    div.replaceChildren();
    for (const aspect of ["helpfulness", "accuracy", "clarity"]) {
      const label = el("label", "", aspect + " ");
      const sel = document.createElement("select");
      sel.dataset.aspect = aspect;
      sel.id = "rate-" + div.dataset.side + "-" + aspect;
      for (const v of ["", "1", "2", "3", "4", "5"]) sel.appendChild(el("option", "", v || "–"));
      [...sel.options].forEach((o, i) => (o.value = i ? String(i) : ""));
      label.appendChild(sel);
      div.appendChild(label);
    }
  }
}

function showItem(item, promptText) {
  state.item = item.item;
  $("cmp-prompt-shown").textContent = promptText;
  $("cmp-a").textContent = item.A;
  $("cmp-b").textContent = item.B;
  ratingInputs();
  $("cmp-item").hidden = false;
  for (const b of document.querySelectorAll(".verdicts button")) b.disabled = false;
}

async function compare() {
  const prompt = $("cmp-prompt").value.trim();
  if (!prompt) return status("write a prompt first", true);
  const system = $("cmp-system").value.trim();
  const messages = (system ? [{ role: "system", content: system }] : []).concat([{ role: "user", content: prompt }]);
  const sides = [0, 1].map((k) => ({
    model: $("cmp-model-" + k).value, temperature: parseFloat($("cmp-temperature-" + k).value),
    top_p: parseFloat($("cmp-top-p-" + k).value), max_tokens: parseInt($("cmp-max-tokens-" + k).value, 10),
  }));
  $("cmp-go").disabled = true;
  status("generating two answers…");
  try {
    const item = await api("/ui/api/pair", { messages, sides, rater: $("rater").value });
    showItem(item, prompt);
    status("");
  } catch (e) { status("compare failed: " + e.message, true); }
  finally { $("cmp-go").disabled = false; }
}

async function nextItem() {
  try {
    const item = await api("/ui/api/next?rater=" + encodeURIComponent($("rater").value));
    if (!item.item) return status("no item from another rater is waiting for you");
    const users = item.messages.filter((m) => m.role === "user");
    showItem(item, users.length ? users[users.length - 1].content : "");
    status("");
  } catch (e) { status(e.message, true); }
}

async function vote(verdict) {
  if (!state.item) return;
  const ratings = {};
  for (const sel of document.querySelectorAll(".ratings select")) {
    if (!sel.value) continue;
    const side = sel.closest(".ratings").dataset.side;
    (ratings[side] = ratings[side] || {})[sel.dataset.aspect] = parseInt(sel.value, 10);
  }
  for (const b of document.querySelectorAll(".verdicts button")) b.disabled = true;
  try {
    await api("/ui/api/label", { item: state.item, verdict, ratings, rater: $("rater").value });
    status("saved: " + verdict.replace("_", " "));
    state.item = null;
    $("cmp-item").hidden = true;
  } catch (e) {
    status("not saved: " + e.message, true);
    for (const b of document.querySelectorAll(".verdicts button")) b.disabled = false;
  }
}

// ------------------------------------------------------------------ review

function row(table, cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(el("td", "", String(c)));
  $(table).querySelector("tbody").appendChild(tr);
}

const pct = (x) => (100 * x).toFixed(1) + "%";

async function refreshReview() {
  try {
    const r = await api("/ui/api/review");
    for (const t of ["review-wins", "review-labels"]) $(t).querySelector("tbody").replaceChildren();
    for (const w of r.win_rates) row("review-wins", [w.first, w.second, w.n, w.wins, w.losses, w.ties, pct(w.win_rate), pct(w.ci95[0]) + " – " + pct(w.ci95[1])]);
    for (const c of r.comparisons.slice().reverse()) row("review-labels", [c.time, c.rater, c.prompt, c.A, c.B, c.outcome]);
    const a = r.agreement;
    $("review-agreement").textContent = a.rater_pairs
      ? `Rater agreement: ${pct(a.agreement)} of ${a.rater_pairs} rater pairs agree, over ${a.items} items labelled by several raters.`
      : "Rater agreement: no item has been labelled by two raters yet (use “Label someone else's item”).";
    $("review-thumbs").textContent = `Chat thumbs: ${r.thumbs.up} up, ${r.thumbs.down} down.`;
  } catch (e) { status("review failed: " + e.message, true); }
}

async function download(ev) {
  ev.preventDefault();
  const name = ev.target.dataset.file;
  try {
    const r = await fetch("/ui/api/export/" + name, { headers: headers() });
    if (!r.ok) throw new Error(((await r.json().catch(() => ({}))).error || {}).message || r.statusText);
    const url = URL.createObjectURL(await r.blob());
    const a = el("a");
    a.href = url;
    a.download = name + ".jsonl";
    a.click();
    URL.revokeObjectURL(url);
  } catch (e) { status("export failed: " + e.message, true); }
}

// ------------------------------------------------------------------ start

async function start() {
  for (const id of ["rater", "apikey", "chat-system"]) remember(id);
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => show(b.dataset.tab));
  $("chat-form").addEventListener("submit", send);
  $("chat-input").addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) send(e); });
  $("chat-reset").addEventListener("click", () => { state.chat = []; renderChat(); });
  $("cmp-go").addEventListener("click", compare);
  $("cmp-next").addEventListener("click", nextItem);
  for (const b of document.querySelectorAll(".verdicts button")) b.addEventListener("click", () => vote(b.dataset.verdict));
  $("review-refresh").addEventListener("click", refreshReview);
  for (const a of document.querySelectorAll("a[data-file]")) a.addEventListener("click", download);
  $("apikey").addEventListener("change", loadConfig);
  ratingInputs();
  await loadConfig();
}

async function loadConfig() {
  try {
    const cfg = await api("/ui/api/config");
    state.models = cfg.models;
    for (const id of ["chat-model", "cmp-model-0", "cmp-model-1"]) {
      const sel = $(id);
      sel.replaceChildren(...cfg.models.map((m) => el("option", "", m)));
    }
    if (cfg.models.length > 1) $("cmp-model-1").selectedIndex = 1;
    document.body.dataset.ready = "1";
    status("");
  } catch (e) { status("cannot reach the server: " + e.message, true); }
}

start();
