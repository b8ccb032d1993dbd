// Phala explorer: a dependency-free single-page app over /explorer/api/.
// Every value from the chain goes through html`` (escaped); no inline
// scripts or styles, so the page runs under a strict CSP.
"use strict";

(() => {
  const API = "api/";
  const view = document.getElementById("view");
  const state = { height: 0, chainId: "", route: null, live: null, renderToken: 0 };

  // ---- escaping templates ----
  class Raw { constructor(s) { this.s = s; } toString() { return this.s; } }
  const raw = (s) => new Raw(s);
  const esc = (s) => String(s).replace(/[&<>"'`]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" }[c]));
  const render = (v) => v instanceof Raw ? v.s : Array.isArray(v) ? v.map(render).join("") : v === null || v === undefined || v === false ? "" : esc(v);
  function html(strings, ...vals) {
    let out = strings[0];
    vals.forEach((v, i) => { out += render(v) + strings[i + 1]; });
    return raw(out);
  }

  // ---- API ----
  class APIError extends Error { constructor(status, msg) { super(msg); this.status = status; } }
  async function get(path) {
    const r = await fetch(API + path, { headers: { Accept: "application/json" } });
    let body = null;
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) throw new APIError(r.status, (body && body.error) || r.statusText);
    return body;
  }

  // ---- formatting ----
  const shortHash = (h, n = 8) => !h ? "" : h.length > 2 * n + 2 ? h.slice(0, n) + "…" + h.slice(-6) : h;
  const num = (n) => Number(n || 0).toLocaleString("en-US");
  function ago(t) {
    if (!t) return "";
    const s = Math.max(0, Math.round((Date.now() - new Date(t).getTime()) / 1000));
    if (s < 60) return s + "s ago";
    if (s < 3600) return Math.floor(s / 60) + "m ago";
    if (s < 86400) return Math.floor(s / 3600) + "h ago";
    return Math.floor(s / 86400) + "d ago";
  }
  const time = (t) => t ? html`<time data-time="${t}" title="${new Date(t).toISOString()}">${ago(t)}</time>` : "";
  const pha = (s) => {
    if (!s) return "";
    const m = /^(\d+)(?:\.(\d+))?PHA$/.exec(s);
    if (!m) return s;
    return Number(m[1]).toLocaleString("en-US") + (m[2] ? "." + m[2] : "") + " PHA";
  };
  // phaShort: 69999999.99 PHA -> "70.00M PHA" (the exact amount in the title).
  const phaShort = (s) => {
    const m = /^(\d+)(?:\.(\d+))?PHA$/.exec(s || "");
    if (!m) return s || "";
    const v = Number(m[1] + "." + (m[2] || "0"));
    const [d, u] = v >= 1e9 ? [1e9, "B"] : v >= 1e6 ? [1e6, "M"] : v >= 1e4 ? [1e3, "K"] : [1, ""];
    return html`<span title="${pha(s)}">${d === 1 ? pha(s) : (v / d).toFixed(2) + u + " PHA"}</span>`;
  };
  const copyBtn = (v) => html`<button class="copy" type="button" data-copy="${v}" title="Copy">copy</button>`;

  // links
  const L = {
    block: (h) => html`<a href="#/block/${h}">${num(h)}</a>`,
    tx: (h, n) => html`<a class="mono" href="#/tx/${h}" title="${h}">${shortHash(h, n)}</a>`,
    account: (a, full) => a ? html`<a class="mono" href="#/account/${a}" title="${a}">${full ? a : shortHash(a, 10)}</a>` : "",
    worker: (id, full) => html`<a class="mono" href="#/worker/${id}" title="${id}">${full ? id : shortHash(id)}</a>`,
    cluster: (id, full) => id ? html`<a class="mono" href="#/cluster/${id}" title="${id}">${full ? id : shortHash(id)}</a>` : html`<span class="muted">–</span>`,
    contract: (id, full) => html`<a class="mono" href="#/contract/${id}" title="${id}">${full ? id : shortHash(id)}</a>`,
    agent: (id, full) => html`<a class="mono" href="#/agent/${id}" title="${id}">${full ? id : shortHash(id)}</a>`,
  };
  const linkFor = { allow: "account", to: "account", operator: "account", new_owner: "account", sender: "account", recipient: "account", owner: "account", account: "account", payer: "account",
    worker: "worker", gatekeeper: "worker", cluster: "cluster", contract: "contract", agent: "agent" };
  function fieldValue(k, v) {
    if (v === null || v === undefined || v === "") return html`<span class="muted">–</span>`;
    if (typeof v === "object") {
      if (Array.isArray(v)) return v.length ? v.map((x) => fieldValue(k, x)).reduce((a, b) => html`${a}, ${b}`) : html`<span class="muted">none</span>`;
      return raw(Object.entries(v).map(([kk, vv]) => html`<span class="muted">${kk}:</span> ${fieldValue(kk, vv)}`.s).join(" "));
    }
    const kind = linkFor[k];
    if (kind && typeof v === "string" && (kind === "account" ? v.startsWith("pha1") : /^[0-9a-f]{64}$/.test(v))) return L[kind](v, true);
    if (typeof v === "string" && /^\d+(\.\d+)?PHA$/.test(v)) return pha(v);
    if (/(_bytes|^size)$/.test(k)) return html`${num(v)} bytes${/sealed|payload|evidence|args/.test(k) ? raw(' <span class="badge">not shown</span>') : ""}`;
    return html`<span class="mono">${String(v)}</span>`;
  }

  const statusBadge = (ok, code, space) => ok ? html`<span class="badge ok">success</span>` : html`<span class="badge bad" title="${space}/${code}">failed</span>`;
  const kindBadge = (k) => html`<span class="badge accent">${k}</span>`;
  const yes = (b, y = "yes", n = "no") => b ? html`<span class="badge ok">${y}</span>` : html`<span class="badge">${n}</span>`;
  const online = (o) => o === null || o === undefined ? html`<span class="on-dot"></span><span class="muted">unknown</span>` :
    o ? html`<span class="on-dot up"></span>online` : html`<span class="on-dot down"></span>offline`;
  const teeBadge = (t) => html`<span class="badge ${t === "sim" ? "warn" : "ok"}">${t === "sim" ? "sim (no TEE)" : t}</span>`;

  // table(cols, rows): cols are [label, class]; each row an array of cells.
  function table(cols, rows, opts = {}) {
    if (!rows.length) return html`<div class="empty">${opts.empty || "Nothing yet."}</div>`;
    return html`<div class="scroll"><table class="table"${opts.id ? raw(` id="${esc(opts.id)}"`) : ""}>
      <thead><tr>${cols.map(([l, c]) => html`<th class="${c || ""}">${l}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => rowHTML(cols, r, opts.rowAttr))}</tbody></table></div>`;
  }
  function rowHTML(cols, r, rowAttr) {
    const cells = r.cells || r;
    return html`<tr${rowAttr ? raw(" " + rowAttr(r)) : ""}>${cells.map((c, i) => html`<td data-label="${cols[i][0]}" class="${cols[i][1] || ""}"><span>${c}</span></td>`)}</tr>`;
  }
  const kv = (pairs) => html`<dl class="kv">${pairs.filter(Boolean).map(([k, v, f]) => html`<dt>${k}</dt><dd${f ? raw(` data-field="${esc(f)}"`) : ""}>${v}</dd>`)}</dl>`;

  // ---- shared rows ----
  const blockCols = [["Height"], ["Age"], ["Txs", "num"], ["Hash", "opt"], ["Proposer", "opt"]];
  const blockRow = (b) => [L.block(b.height), time(b.time), num(b.num_txs), html`<span class="mono">${shortHash(b.hash)}</span>`, html`<span class="mono">${shortHash(b.proposer, 6)}</span>`];
  const txCols = [["Tx"], ["Type"], ["What", "wide"], ["From", "opt"], ["Height"], ["Age"], ["Status"]];
  const txRow = (t) => [L.tx(t.hash), kindBadge(t.kind), html`<span class="summary">${t.summary}</span>`, L.account(t.sender), L.block(t.height), time(t.time), statusBadge(t.ok, t.code, t.codespace)];
  const txTable = (txs, empty, id) => table(txCols, txs.map(txRow), { empty, id });

  // ---- pages ----
  const pages = {};

  pages.overview = async () => {
    const [st, blocks, txs] = await Promise.all([get("status"), get("blocks?limit=10"), get("txs?limit=10")]);
    setChain(st);
    const sup = st.supply || {};
    return html`<div data-view="overview">
      <div class="stats">
        <div class="stat"><div class="k">Block height</div><div class="v" id="stat-height" data-field="height">${num(st.height)}</div></div>
        <div class="stat"><div class="k">Block time</div><div class="v">${st.avg_block_time_ms ? (st.avg_block_time_ms / 1000).toFixed(2) + "s" : "–"} <small>avg</small></div></div>
        <div class="stat"><div class="k">Latest block</div><div class="v" id="stat-time">${time(st.time)}</div></div>
        <div class="stat"><div class="k">Validators</div><div class="v">${num(st.validators)}</div></div>
        <div class="stat"><div class="k">TEE workers</div><div class="v"><a href="#/workers">${num(st.workers)}</a></div></div>
        <div class="stat"><div class="k">Gatekeepers</div><div class="v"><a href="#/keys">${num(st.gatekeepers)}</a> <small>${st.generation !== undefined && st.generation !== null ? "key gen " + st.generation : "no master key yet"}</small></div></div>
        <div class="stat"><div class="k">Clusters</div><div class="v"><a href="#/clusters">${num(st.clusters)}</a></div></div>
        <div class="stat"><div class="k">Contracts</div><div class="v"><a href="#/contracts">${num(st.contracts)}</a></div></div>
        <div class="stat"><div class="k">AI agents</div><div class="v"><a href="#/agents">${num(st.agents)}</a></div></div>
        <div class="stat"><div class="k">Circulating</div><div class="v"><a href="#/supply">${phaShort(sup.circulating)}</a></div></div>
      </div>
      <div class="grid cols-2">
        <section class="card"><h2>Latest blocks <a href="#/blocks">all blocks →</a></h2>${table(blockCols, blocks.blocks.map(blockRow), { id: "latest-blocks" })}</section>
        <section class="card"><h2>Latest transactions <a href="#/txs">all →</a></h2>${table([["Tx"], ["Type"], ["Height"], ["Age"], ["Status"]],
          txs.txs.map((t) => [L.tx(t.hash), kindBadge(t.kind), L.block(t.height), time(t.time), statusBadge(t.ok, t.code, t.codespace)]), { id: "latest-txs", empty: "No transactions yet." })}</section>
      </div></div>`;
  };

  pages.blocks = async (arg) => {
    const before = arg ? Number(arg) : 0;
    const r = await get("blocks?limit=25" + (before ? "&before=" + before : ""));
    const last = r.blocks.length ? r.blocks[r.blocks.length - 1].height : 0;
    return html`<div data-view="blocks"><h1>Blocks <span class="sub">latest ${num(r.latest)}</span></h1>
      <section class="card">${table(blockCols, r.blocks.map(blockRow), { id: before ? "" : "blocks-live" })}
      <div class="pager">${before ? html`<a class="btn" href="#/blocks">Newest</a>` : ""}${last > 1 ? html`<a class="btn" href="#/blocks/${last - 1}">Older →</a>` : ""}</div></section></div>`;
  };

  pages.block = async (h) => {
    const b = await get("block/" + encodeURIComponent(h));
    return html`<div data-view="block"><h1>Block ${num(b.height)}</h1>
      <section class="card">${kv([
        ["Height", html`${num(b.height)} ${b.height > 1 ? html`<a class="btn" href="#/block/${b.height - 1}">← prev</a>` : ""} ${b.height < b.latest ? html`<a class="btn" href="#/block/${b.height + 1}">next →</a>` : ""}`, "height"],
        ["Time", html`${new Date(b.time).toISOString()} · ${time(b.time)}`],
        ["Hash", html`<span class="mono">${b.hash}</span>${copyBtn(b.hash)}`, "hash"],
        ["Parent", html`<span class="mono">${b.last_block_hash}</span>`],
        ["App hash", html`<span class="mono">${b.app_hash}</span>`],
        ["Proposer", html`<span class="mono">${b.proposer}</span>`],
        ["Signatures", num(b.signatures)],
        ["Transactions", num(b.num_txs)],
      ])}</section>
      <section class="card"><h2>Transactions</h2>${txTable(b.txs, "No transactions in this block.")}</section>
      ${b.events.length ? html`<section class="card"><details><summary>End-block events (${b.events.length})</summary>${eventsList(b.events)}</details></section>` : ""}</div>`;
  };

  pages.txs = async () => {
    const r = await get("txs?limit=50");
    return html`<div data-view="txs"><h1>Transactions <span class="sub">latest ${r.txs.length}</span></h1>
      <section class="card">${txTable(r.txs, "No transactions yet.", "txs-live")}</section></div>`;
  };

  const eventsList = (evs) => html`<ul class="events">${evs.map((e) => html`<li><b>${e.type}</b> ${e.attrs.map((a) => html`<span class="muted">${a.key}=</span>${a.value} `)}</li>`)}</ul>`;

  pages.tx = async (hash) => {
    const t = await get("tx/" + encodeURIComponent(hash));
    return html`<div data-view="tx"><h1>Transaction ${statusBadge(t.ok, t.code, t.codespace)}<span class="sub">${t.hash}</span>${copyBtn(t.hash)}</h1>
      <section class="card">${kv([
        ["Hash", html`<span class="mono">${t.hash}</span>`, "hash"],
        ["Status", t.ok ? html`<span class="badge ok">success</span>` : html`<span class="badge bad">failed ${t.codespace}/${t.code}</span> <span class="summary">${t.log}</span>`, "status"],
        ["Block", L.block(t.height), "height"],
        ["Time", html`${t.time ? new Date(t.time).toISOString() : ""} · ${time(t.time)}`],
        ["Sender", L.account(t.sender, true), "sender"],
        ["Fee", pha(t.fee), "fee"],
        ["Nonce", num(t.nonce)],
        t.memo ? ["Memo", html`<span class="mono">${t.memo}</span>`, "memo"] : null,
        ["Size", html`${num(t.bytes)} bytes`],
      ])}</section>
      <section class="card"><h2>Messages <small>${t.msgs.length}</small></h2>
        ${t.msgs.map((m) => html`<div class="msg" data-msg-type="${m.type}"><h3>${kindBadge(m.type)} <span class="summary">${m.summary}</span></h3>
          ${Object.keys(m.fields).length ? kv(Object.keys(m.fields).sort().map((k) => [k, fieldValue(k, m.fields[k]), "msg." + k])) : html`<div class="muted">no fields</div>`}</div>`)}
      </section>
      <section class="card"><details open><summary>Events (${t.events.length})</summary>${eventsList(t.events)}</details></section></div>`;
  };

  pages.account = async (addr) => {
    const a = await get("account/" + encodeURIComponent(addr));
    const dirBadge = (d) => html`<span class="badge ${d}">${d === "in" ? "in" : d === "out" ? "out" : "self"}</span>`;
    const owned = (label, ids, link) => ids.length ? ["" + label, raw(ids.map((id) => link(id).s).join("<br>"))] : null;
    return html`<div data-view="account"><h1>Account <span class="sub">${a.address}</span>${copyBtn(a.address)}</h1>
      <div class="stats">
        <div class="stat"><div class="k">Balance</div><div class="v" data-field="balance">${phaShort(a.balance)}</div></div>
        <div class="stat"><div class="k">Nonce</div><div class="v" data-field="nonce">${num(a.nonce)}</div></div>
        <div class="stat"><div class="k">Agent escrow</div><div class="v">${phaShort(a.agent_escrow) || "0 PHA"}</div></div>
        <div class="stat"><div class="k">Sent / received</div><div class="v">${num(a.sent_count)} <small>/</small> ${num(a.received_count)}</div></div>
      </div>
      <section class="card">${kv([
        ["Address", html`<span class="mono">${a.address}</span>`, "address"],
        a.label ? ["Label", a.label] : null,
        ["Balance", html`${pha(a.balance)} <span class="muted mono">(${a.balance_units} units)</span>`],
        owned("Workers operated", a.workers, (id) => L.worker(id, true)),
        owned("Clusters owned", a.clusters, (id) => L.cluster(id, true)),
        owned("Contracts owned", a.contracts, (id) => L.contract(id, true)),
        owned("Agents owned", a.agents, (id) => L.agent(id, true)),
      ])}</section>
      <section class="card"><h2>History <small>latest ${a.txs.length}</small></h2>
        ${table([["Tx"], [""], ["Type"], ["What", "wide"], ["Height"], ["Age"], ["Status"]],
          a.txs.map((t) => [L.tx(t.hash), dirBadge(t.direction), kindBadge(t.kind), html`<span class="summary">${t.summary}</span>`, L.block(t.height), time(t.time), statusBadge(t.ok, t.code, t.codespace)]),
          { id: "account-txs", empty: "No transactions for this account yet." })}</section></div>`;
  };

  const workerCols = [["Worker"], ["TEE"], ["Status"], ["Benchmark", "num"], ["Operator"], ["Registered"], ["Attested"], ["Roles"], ["Endpoint"]];
  const workerRow = (w) => [L.worker(w.id), teeBadge(w.tee), online(w.online), num(w.benchmark_score), L.account(w.operator), L.block(w.registered_height), L.block(w.attested_height),
    html`${w.gatekeeper ? html`<span class="badge accent">gatekeeper</span> ` : ""}${w.clusters.length ? html`<span class="badge">cluster member</span>` : ""}`, html`<span class="mono">${w.endpoint}</span>`];

  pages.workers = async () => {
    const r = await get("workers");
    return html`<div data-view="workers"><h1>TEE workers <span class="sub">${r.workers.length} registered</span></h1>
      <section class="card">${table(workerCols, r.workers.map(workerRow), { id: "workers", empty: "No worker has registered yet." })}</section>
      <section class="card"><h2>Measurement allow-list ${r.allow_sim_tee ? html`<span class="badge warn">sim TEE allowed: development chain</span>` : ""}</h2>
        ${table([["TEE"], ["Measurement", "wide"], ["Note"]], r.measurements.map((m) => [teeBadge(m.tee), html`<span class="mono">${m.value}</span>`, m.note || ""]), { empty: "Empty allow-list." })}</section></div>`;
  };

  pages.worker = async (id) => {
    const w = await get("worker/" + encodeURIComponent(id));
    const at = w.attestation;
    const gk = w.gatekeeper_info;
    return html`<div data-view="worker"><h1>Worker <span class="sub">${w.id}</span>${copyBtn(w.id)}</h1>
      <div class="stats">
        <div class="stat"><div class="k">TEE</div><div class="v" data-field="tee">${teeBadge(w.tee)}</div></div>
        <div class="stat"><div class="k">Status</div><div class="v">${online(w.online)}</div></div>
        <div class="stat"><div class="k">Benchmark score</div><div class="v" data-field="benchmark">${num(w.benchmark_score)}</div></div>
        <div class="stat"><div class="k">Attestation</div><div class="v" data-field="attestation">${at.verified ? html`<span class="badge ok">verified on chain</span>` : html`<span class="badge warn">no registration found</span>`}</div></div>
      </div>
      <div class="grid cols-2">
        <section class="card"><h2>Record</h2>${kv([
          ["Worker id", html`<span class="mono">${w.id}</span>`, "id"],
          ["Operator", L.account(w.operator, true), "operator"],
          ["Endpoint", html`<span class="mono">${w.endpoint}</span> <span class="muted">(set at ${w.endpoint_height})</span>`, "endpoint"],
          ["Registered at", L.block(w.registered_height), "registered"],
          ["Runtime version", num(w.version)],
          ["Features", w.features.length ? w.features.join(", ") : html`<span class="muted">none</span>`],
          ["ECDH key", html`<span class="mono">${w.ecdh_pubkey}</span>`],
          ["Clusters", w.clusters.length ? raw(w.clusters.map((c) => L.cluster(c, true).s).join("<br>")) : html`<span class="muted">none</span>`],
        ])}</section>
        <section class="card"><h2>Attestation</h2>${kv([
          ["Verification", at.verified ? html`<span class="badge ok">verified by the chain</span> ${at.tx ? html`in ${L.tx(at.tx)}` : ""}` : html`<span class="badge warn">not found</span>`, "verified"],
          ["TEE kind", teeBadge(w.tee)],
          ["Measurement", html`<span class="mono">${w.measurement}</span>`, "measurement"],
          ["Allow-listed", html`${yes(w.measurement_allowed, "on the allow-list", "not on the current allow-list")} ${w.measurement_note ? html`<span class="muted">${w.measurement_note}</span>` : ""}`],
          ["Attested block", L.block(w.attested_height), "attested"],
          ["Max attestation age", html`${num(at.max_attestation_age)} blocks`],
        ])}
        ${at.simulated ? html`<div class="notice">Simulated TEE: no confidentiality or integrity. Accepted only because this chain's genesis allows sim workers.</div>` : ""}</section>
      </div>
      ${gk ? html`<section class="card"><h2>Gatekeeper</h2>${kv([
        ["Added at", L.block(gk.added_height)],
        ["Holds the master key", yes(gk.holds_master_key)],
        ...(gk.rejoin_height ? [["Asked for the history again", L.block(gk.rejoin_height)]] : []),
        ...(gk.excluded_for_cause ? [["Excluded for cause", gk.excluded_for_cause]] : []),
        ["Bonded", pha(gk.bonded)],
        ["Unbonding", gk.unbonding.length ? gk.unbonding.map((u) => html`${pha(u.amount)} at ${L.block(u.release_height)}<br>`) : html`<span class="muted">none</span>`],
      ])}</section>` : ""}
      <section class="card"><h2>Registrations</h2>${txTable(w.registrations, "No registration transaction found.", "worker-registrations")}</section>
      <section class="card"><h2>Recent messages from this worker</h2>${txTable(w.activity, "No messages yet.")}</section></div>`;
  };

  pages.keys = async () => {
    const k = await get("keys");
    const cur = k.current;
    const rot = k.running;
    const tlClass = (e) => e.phase === "done" ? "done" : e.phase === "aborted" ? "aborted" : e.phase ? "phase" : "";
    const tlText = (e) => {
      if (e.event === "key_rotation") {
        const extra = Object.entries(e.attrs).filter(([key]) => key !== "round" && key !== "generation").map(([key, v]) => key + " " + v).join(", ");
        return html`Rotation round ${e.attrs.round || "?"} → generation ${e.attrs.generation || "?"}: <b>${e.phase}</b>${extra ? html` <span class="muted">(${extra})</span>` : ""}`;
      }
      if (e.event === "master_key_generation") return html`Master key generation ${e.attrs.generation} created`;
      if (e.event === "gatekeeper_added") return html`Gatekeeper ${L.worker(e.attrs.worker || "")} added`;
      return e.event;
    };
    let rotState;
    if (rot) rotState = html`<span class="badge warn">rotating: ${rot.phase}</span>`;
    else if (k.key_traffic_paused) rotState = html`<span class="badge warn">paused</span>`;
    else rotState = html`<span class="badge ok">idle</span>`;
    return html`<div data-view="keys"><h1>Gatekeepers and keys</h1>
      <div class="stats">
        <div class="stat"><div class="k">Master key generation</div><div class="v" data-field="generation">${cur ? num(cur.generation) : "none yet"}</div></div>
        <div class="stat"><div class="k">Gatekeepers</div><div class="v">${num(k.gatekeepers.length)}</div></div>
        <div class="stat"><div class="k">Rotation</div><div class="v" data-field="rotation">${rotState}</div></div>
        <div class="stat"><div class="k">Key traffic</div><div class="v">${k.key_traffic_paused ? html`<span class="badge warn">held</span>` : html`<span class="badge ok">flowing</span>`}</div></div>
      </div>
      <div class="grid cols-2">
        <section class="card"><h2>Current master key</h2>${cur ? kv([
          ["Generation", num(cur.generation)],
          ["Public key (ed25519)", html`<span class="mono">${cur.sign_pubkey}</span>`, "master-sign"],
          ["Public key (X25519)", html`<span class="mono">${cur.ecdh_pubkey}</span>`, "master-ecdh"],
          ["Since block", L.block(cur.height)],
          ["Created by", L.worker(cur.created_by)],
        ]) : html`<div class="empty">No master key yet: the first gatekeeper creates it once registered.</div>`}</section>
        <section class="card"><h2>Rotation</h2>${kv([
          ["State", rotState],
          rot ? ["Round", html`${num(rot.round)} → generation ${num(rot.generation)}`] : null,
          rot ? ["Progress", html`${rot.committed}/${rot.members.length} committed · ${rot.revealed}/${rot.members.length} revealed · ${rot.confirmed}/${rot.members.length} confirmed`] : null,
          rot ? ["Window", html`${L.block(rot.started_height)} → deadline ${L.block(rot.deadline_height)}`] : null,
          ["Key traffic", k.key_traffic_paused ? html`<span class="badge warn">held</span> ${k.pause_reason}` : html`<span class="badge ok">flowing</span>`],
          ["Resume height", k.resume_height ? html`${L.block(k.resume_height)} <span class="muted">(${k.resume_delay} blocks after a rotation ends)</span>` : html`<span class="muted">–</span>`, "resume"],
          ["Rotation period", k.params.rotation_period ? html`every ${num(k.params.rotation_period)} blocks` : "on the authority's request"],
          ["Rotation timeout", html`${num(k.params.rotation_timeout)} blocks`],
          ["Max gatekeepers", num(k.params.max_gatekeepers)],
          ["Key authority", L.account(k.authority)],
        ])}</section>
      </div>
      <section class="card"><h2>Gatekeepers</h2>${table([["Worker"], ["Operator"], ["Added"], ["Holds key"], ["Bonded", "num"], ["Unbonding"]],
        k.gatekeepers.map((g) => [L.worker(g.worker), L.account(g.operator), L.block(g.added_height), yes(g.holds_master_key), pha(g.bonded), g.unbonding.length ? num(g.unbonding.length) : "–"]),
        { empty: "No gatekeepers." })}</section>
      <div class="grid cols-2">
        <section class="card"><h2>Timeline</h2>${k.timeline.length ? html`<ul class="timeline">${k.timeline.map((e) => html`<li class="${tlClass(e)}"><div>${tlText(e)}</div>
          <div class="when">block ${L.block(e.height)} · ${time(e.time)} ${e.tx ? html`· ${L.tx(e.tx, 6)}` : html`· end-block`}</div></li>`)}</ul>` : html`<div class="empty">No key events yet.</div>`}</section>
        <section class="card"><h2>Generations</h2>${table([["Gen"], ["Public key (ed25519)"], ["Block"], ["Excluded"]],
          k.history.slice().reverse().map((g) => [num(g.generation), html`<span class="mono">${shortHash(g.sign_pubkey, 10)}</span>`, L.block(g.height), num(g.excluded.length)]), { empty: "No generation yet." })}</section>
      </div></div>`;
  };

  const clusterCols = [["Cluster"], ["Owner"], ["Members", "num"], ["Key holders", "num"], ["Epoch", "num"], ["Contracts", "num"], ["Agents", "num"], ["Created"]];
  pages.clusters = async () => {
    const r = await get("clusters");
    return html`<div data-view="clusters"><h1>Clusters <span class="sub">${r.clusters.length}</span></h1>
      <section class="card">${table(clusterCols, r.clusters.map((c) => [L.cluster(c.id), L.account(c.owner), num(c.members.length), num(c.holders.length), num(c.epoch), num(c.contracts), num(c.agents), L.block(c.created_height)]), { empty: "No clusters yet." })}</section></div>`;
  };

  const contractCols = [["Contract"], ["Owner"], ["Cluster"], ["Code"], ["Inputs", "num"], ["Results", "num"], ["Created"]];
  const contractRow = (c) => [L.contract(c.id), L.account(c.owner), L.cluster(c.cluster), html`<span class="mono">${shortHash(c.code_hash)}</span>`, num(c.inputs), num(c.results), L.block(c.created_height)];
  const agentCols = [["Agent"], ["Owner"], ["Policy"], ["Price", "num"], ["Calls", "num"], ["Fees", "num"], ["State"]];
  const agentRow = (a) => [L.agent(a.id), L.account(a.owner), html`<span class="badge">${a.policy.kind}</span>`, pha(a.price), num(a.calls), pha(a.fees), a.paused ? html`<span class="badge warn">paused</span>` : html`<span class="badge ok">active</span>`];

  pages.cluster = async (id) => {
    const c = await get("cluster/" + encodeURIComponent(id));
    return html`<div data-view="cluster"><h1>Cluster <span class="sub">${c.id}</span>${copyBtn(c.id)}</h1>
      <section class="card">${kv([
        ["Owner", L.account(c.owner, true), "owner"],
        ["Key epoch", html`${num(c.epoch)} <span class="muted">(master key generation ${num(c.generation)})</span>`],
        ["Cluster key (ed25519)", c.sign_pubkey ? html`<span class="mono">${c.sign_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
        ["Cluster key (X25519)", c.ecdh_pubkey ? html`<span class="mono">${c.ecdh_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
        ["Key holders", html`${num(c.holders.length)} of ${num(c.members.length)} members`],
        ["Created", L.block(c.created_height)],
      ])}</section>
      <section class="card"><h2>Members</h2>${table(workerCols, c.workers.map(workerRow), { empty: "No members." })}</section>
      <section class="card"><h2>Contracts</h2>${table(contractCols, c.contract_list.map(contractRow), { empty: "No contracts in this cluster." })}</section>
      <section class="card"><h2>Agents</h2>${table(agentCols, c.agent_list.map(agentRow), { empty: "No agents in this cluster." })}</section>
      <section class="card"><h2>Transactions</h2>${txTable(c.txs, "None.")}</section></div>`;
  };

  pages.contracts = async () => {
    const r = await get("contracts");
    return html`<div data-view="contracts"><h1>Confidential contracts <span class="sub">${r.contracts.length}</span></h1>
      <section class="card">${table(contractCols, r.contracts.map(contractRow), { empty: "No contracts yet." })}</section>
      <div class="notice">Commands, state and outputs of contracts are sealed to keys inside the workers' enclaves: this explorer shows who sent what to which contract, never the content.</div></div>`;
  };

  const versionsTable = (vs) => table([["Code"], ["From input", "num"], ["Block"]], vs.map((v) => [html`<span class="mono">${shortHash(v.code_hash, 10)}</span>`, num(v.from_input), L.block(v.height)]), { empty: "No versions." });

  pages.contract = async (id) => {
    const c = await get("contract/" + encodeURIComponent(id));
    if (c.kind === "agent") { location.replace("#/agent/" + c.id); return html``; }
    return html`<div data-view="contract"><h1>Contract <span class="sub">${c.id}</span>${copyBtn(c.id)}</h1>
      <div class="grid cols-2">
        <section class="card"><h2>Record</h2>${kv([
          ["Owner", L.account(c.owner, true), "owner"],
          ["Cluster", L.cluster(c.cluster, true), "cluster"],
          ["Code hash", html`<span class="mono">${c.code_hash}</span>`],
          ["Code size", c.code ? html`${num(c.code.size)} bytes, uploaded by ${L.account(c.code.uploader)} at ${L.block(c.code.height)}` : "–"],
          ["Upgradable", yes(c.upgradable)],
          ["Inputs / results", html`${num(c.inputs)} / ${num(c.results)}`, "inputs"],
          ["Key epoch", num(c.key_epoch)],
          ["Contract key (ed25519)", c.sign_pubkey ? html`<span class="mono">${c.sign_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
          ["Contract key (X25519)", c.ecdh_pubkey ? html`<span class="mono">${c.ecdh_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
          ["Created", L.block(c.created_height)],
        ])}</section>
        <section class="card"><h2>Versions</h2>${versionsTable(c.versions)}</section>
      </div>
      <section class="card"><h2>Sealed commands <small>content not shown</small></h2>${txTable(c.input_txs, "No commands yet.")}</section>
      <section class="card"><h2>Results</h2>${table([["Input", "num"], ["Outcome"], ["Block"], ["Tx"]], c.result_list.map((r) => [r.input, r.ok ? html`<span class="badge ok">ok</span>` : html`<span class="badge bad">error</span>`, L.block(r.height), L.tx(r.tx)]), { empty: "No results yet." })}</section></div>`;
  };

  pages.agents = async () => {
    const r = await get("agents");
    return html`<div data-view="agents"><h1>AI agents <span class="sub">${r.agents.length}</span></h1>
      <section class="card">${table(agentCols, r.agents.map(agentRow), { id: "agents", empty: "No agents deployed yet." })}</section></div>`;
  };

  pages.agent = async (id) => {
    const a = await get("agent/" + encodeURIComponent(id));
    const p = a.policy;
    return html`<div data-view="agent"><h1>Agent <span class="sub">${a.id}</span>${copyBtn(a.id)}</h1>
      <div class="stats">
        <div class="stat"><div class="k">Calls</div><div class="v" data-field="calls">${num(a.calls)}</div></div>
        <div class="stat"><div class="k">Fees earned</div><div class="v" data-field="fees">${pha(a.fees)}</div></div>
        <div class="stat"><div class="k">Price per call</div><div class="v" data-field="price">${pha(a.price)}</div></div>
        <div class="stat"><div class="k">State</div><div class="v">${a.paused ? html`<span class="badge warn">paused</span>` : html`<span class="badge ok">active</span>`}</div></div>
      </div>
      <div class="grid cols-2">
        <section class="card"><h2>Agent</h2>${kv([
          ["Owner", L.account(a.owner, true), "owner"],
          ["Cluster", L.cluster(a.cluster, true), "cluster"],
          ["Access policy", html`<span class="badge">${p.kind}</span>${p.allow && p.allow.length ? html` ${p.allow.map((x) => html`<br>${L.account(x)}`)}` : ""}${p.contract ? html` decided by ${L.contract(p.contract)}` : ""}`, "policy"],
          ["Code hash", html`<span class="mono">${a.code_hash}</span>`],
          ["Code size", a.code ? html`${num(a.code.size)} bytes` : "–"],
          ["Secrets", a.secrets_set ? html`<span class="badge ok">set</span> <span class="muted">sealed to the agent's key (epoch ${a.secrets_epoch}); never shown</span>` : html`<span class="badge">none</span>`, "secrets"],
          ["Key epoch", num(a.key_epoch)],
          ["Agent key (ed25519)", a.sign_pubkey ? html`<span class="mono">${a.sign_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
          ["Agent key (X25519)", a.ecdh_pubkey ? html`<span class="mono">${a.ecdh_pubkey}</span>` : html`<span class="muted">not published yet</span>`],
          ["Deployed", L.block(a.created_height)],
        ])}</section>
        <section class="card"><h2>Versions</h2>${versionsTable(a.versions)}
          <div class="notice">Call it through a gateway: <span class="mono">POST /agents/${a.id}/…</span>, signed by the caller; answers carry the worker's signature.</div></section>
      </div>
      <section class="card"><h2>Owner's transactions</h2>${txTable(a.txs, "None.")}</section></div>`;
  };

  pages.supply = async () => {
    const s = await get("supply");
    const z = await get("shielded").catch(() => null);
    const units = (x) => { const m = /^(\d+)(?:\.(\d+))?PHA$/.exec(x || ""); return m ? Number(m[1]) + (m[2] ? Number("0." + m[2]) : 0) : 0; };
    const total = units(s.total) || 1;
    const circ = units(s.circulating), staked = units(s.staked), bonded = units(s.gatekeeper_bonds), escrow = units(s.agent_escrow);
    const parts = [["Treasury", units(s.treasury), "c2"], ["Computation subsidy pool", units(s.computation_subsidy), "c3"],
      ["Staked in pools", staked, "c4"], ["Agent escrow and gatekeeper bonds", escrow + bonded, "c5"], ["Other circulating", Math.max(0, circ - escrow - bonded), "c1"]];
    let x = 0;
    const rects = parts.map(([, v, c]) => { const w = (v / total) * 1000; const r = html`<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="28" class="${c}"></rect>`; x += w; return r; });
    return html`<div data-view="supply"><h1>PHA supply</h1>
      <div class="stats">
        <div class="stat"><div class="k">Total</div><div class="v" data-field="total">${phaShort(s.total)}</div></div>
        <div class="stat"><div class="k">Circulating</div><div class="v" data-field="circulating">${phaShort(s.circulating)}</div></div>
        <div class="stat"><div class="k">Staked</div><div class="v" data-field="staked">${phaShort(s.staked)}</div></div>
        <div class="stat"><div class="k">Treasury</div><div class="v">${phaShort(s.treasury)}</div></div>
        <div class="stat"><div class="k">Subsidy pool</div><div class="v">${phaShort(s.computation_subsidy)}</div></div>
        <div class="stat"><div class="k">Agent escrow</div><div class="v">${pha(s.agent_escrow)}</div></div>
      </div>
      <section class="card"><h2>Distribution</h2>
        <svg class="bar-chart" viewBox="0 0 1000 28" preserveAspectRatio="none" role="img" aria-label="supply distribution">${rects}</svg>
        <div class="legend">${parts.map(([l, v, c]) => html`<span><i class="${c}"></i>${l}: ${((v / total) * 100).toFixed(2)}%</span>`)}</div></section>
      ${z && z.set_up ? html`<section class="card" data-view="shielded"><h2>Shielded pool</h2><div class="stats">
        <div class="stat"><div class="k">Pool</div><div class="v" data-field="shielded-pool">${phaShort(z.pool)}</div></div>
        <div class="stat"><div class="k">Notes</div><div class="v" data-field="shielded-notes">${z.notes}</div></div>
        <div class="stat"><div class="k">Spent (nullifiers)</div><div class="v" data-field="shielded-nullifiers">${z.nullifiers}</div></div></div>
        <div class="notice">Root <code>${z.root}</code>. Amounts and parties inside the pool are private: only proofs reach the chain.</div></section>` : ""}
      <div class="notice">Circulating is the total less the treasury, the computation subsidy pool and the PHA staked in pools (see <a href="#/pools">stake pools</a>, <a href="#/vaults">vaults</a> and <a href="#/proposals">DAO proposals</a>).</div></div>`;
  };

  const proposalBadge = (st) => html`<span class="badge ${st === "enacted" || st === "passed" ? "ok" : st === "voting" ? "warn" : "bad"}">${st}</span>`;

  pages.proposals = async () => {
    const r = await get("proposals");
    return html`<div data-view="proposals"><h1>DAO proposals <span class="sub">${r.proposals.length}</span></h1>
      <section class="card">${table([["#", "num"], ["Title"], ["Kind"], ["Status"], ["Yes"], ["No"], ["Voting ends"]],
        r.proposals.map((p) => [html`<a href="#/proposal/${p.id}">${p.id}</a>`, p.title, p.kind, proposalBadge(p.status), p.yes || "–", p.no || "–", L.block(p.voting_end_height)]),
        { id: "proposals", empty: "No proposals yet. Lock PHA with phala gov lock, then phala gov propose." })}</section></div>`;
  };

  pages.proposal = async (id) => {
    const p = await get("proposal/" + encodeURIComponent(id));
    return html`<div data-view="proposal"><h1>Proposal <span class="sub">#${p.id}</span></h1>
      <div class="stats">
        <div class="stat"><div class="k">Status</div><div class="v" data-field="status">${proposalBadge(p.status)}</div></div>
        <div class="stat"><div class="k">Yes</div><div class="v">${p.yes || "–"}</div></div>
        <div class="stat"><div class="k">No</div><div class="v">${p.no || "–"}</div></div>
        <div class="stat"><div class="k">Abstain</div><div class="v">${p.abstain || "–"}</div></div>
      </div>
      <section class="card"><h2>${p.title}</h2>${kv([
        ["Action", html`<span class="badge">${p.kind}</span> ${p.detail || ""}`],
        ["Proposer", L.account(p.proposer, true)],
        ["Deposit", p.deposit],
        ["Submitted", L.block(p.submitted_height)],
        ["Voting ends", L.block(p.voting_end_height)],
        ["Enactment", p.enact_height ? L.block(p.enact_height) : "–"],
        ["Voters", num(p.voters)],
        ["Total weight", p.total || "–"],
        ["Quorum reached", p.quorum ? "yes" : "no"],
      ])}</section></div>`;
  };

  pages.vaults = async () => {
    const r = await get("vaults");
    return html`<div data-view="vaults"><h1>Vaults <span class="sub">${r.vaults.length}</span></h1>
      <section class="card">${table([["Vault"], ["Owner"], ["Commission"], ["Value"], ["Share price"], ["Pools", "num"]],
        r.vaults.map((v) => [html`<a href="#/vault/${v.id}">#${v.id}</a>`, L.account(v.owner), v.commission, v.value, v.share_price, v.pools]),
        { id: "vaults", empty: "No vaults yet." })}</section></div>`;
  };

  pages.vault = async (id) => {
    const v = await get("vault/" + encodeURIComponent(id));
    return html`<div data-view="vault"><h1>Vault <span class="sub">#${v.id}</span></h1>
      <div class="stats">
        <div class="stat"><div class="k">Share price</div><div class="v" data-field="price">${v.share_price}</div></div>
        <div class="stat"><div class="k">Value</div><div class="v">${v.value}</div></div>
        <div class="stat"><div class="k">Free PHA</div><div class="v">${v.free}</div></div>
        <div class="stat"><div class="k">Commission</div><div class="v">${v.commission}</div></div>
      </div>
      <div class="grid cols-2">
        <section class="card"><h2>Vault</h2>${kv([["Owner", L.account(v.owner, true)], ["Total shares", v.total_shares], ["Owner's commission shares", v.commission_shares]])}</section>
        <section class="card"><h2>Withdrawal queue</h2>${table([["Account"], ["Shares"], ["Value"], ["Requested"]],
          v.queue.map((q) => [L.account(q.account), q.shares, q.value, L.block(q.requested_height)]), { empty: "Nobody is waiting." })}</section>
      </div>
      <section class="card"><h2>Stake in pools</h2>${table([["Pool"], ["Shares"], ["Queued"], ["Value"], ["Pool price"]],
        v.positions.map((p) => [html`<a href="#/pool/${p.pool}">#${p.pool}</a>`, p.shares, p.queued, p.value, p.pool_price]), { empty: "Not delegated yet." })}</section></div>`;
  };

  pages.pools = async () => {
    const r = await get("pools");
    return html`<div data-view="pools"><h1>Stake pools <span class="sub">${r.pools.length}</span></h1>
      <section class="card">${table([["Pool"], ["Owner"], ["Commission"], ["Value"], ["Share price"], ["Workers", "num"]],
        r.pools.map((p) => [html`<a href="#/pool/${p.id}">#${p.id}</a>`, L.account(p.owner), p.commission, p.value, html`<span data-field="price">${p.share_price}</span>`, p.workers]),
        { id: "pools", empty: "No stake pools yet." })}</section></div>`;
  };

  // priceChart draws the share price history as an SVG line.
  const priceChart = (hist) => {
    if (!hist || hist.length < 2) return html`<p class="muted">Not enough history yet.</p>`;
    const ys = hist.map((p) => Number(p.price)), xs = hist.map((p) => p.height);
    const y0 = Math.min(...ys), y1 = Math.max(...ys), x0 = xs[0], x1 = xs[xs.length - 1];
    const sx = (x) => ((x - x0) / Math.max(1, x1 - x0)) * 980 + 10, sy = (y) => 110 - ((y - y0) / Math.max(1e-12, y1 - y0)) * 100;
    const pts = hist.map((p) => `${sx(p.height).toFixed(1)},${sy(Number(p.price)).toFixed(1)}`).join(" ");
    return html`<svg class="line-chart" viewBox="0 0 1000 120" preserveAspectRatio="none" role="img" aria-label="share price over time"><polyline points="${pts}" fill="none" stroke="currentColor" stroke-width="2"></polyline></svg>
      <div class="legend"><span>block ${num(x0)}: ${hist[0].price}</span><span>block ${num(x1)}: ${hist[hist.length - 1].price}</span></div>`;
  };

  pages.pool = async (id) => {
    const p = await get("pool/" + encodeURIComponent(id));
    return html`<div data-view="pool"><h1>Stake pool <span class="sub">#${p.id}</span></h1>
      <div class="stats">
        <div class="stat"><div class="k">Share price</div><div class="v" data-field="price">${p.share_price}</div></div>
        <div class="stat"><div class="k">Value</div><div class="v">${p.value}</div></div>
        <div class="stat"><div class="k">Commission</div><div class="v">${p.commission}</div></div>
        <div class="stat"><div class="k">Workers</div><div class="v">${num(p.workers)}</div></div>
      </div>
      <section class="card"><h2>Share price over time</h2>${priceChart(p.history)}</section>
      <div class="grid cols-2">
        <section class="card"><h2>Pool</h2>${kv([["Owner", L.account(p.owner, true)], ["Total shares", p.total_shares], ["Free stake", p.free_stake], ["Locked stake", p.locked_stake]])}</section>
        <section class="card"><h2>Withdrawal queue</h2>${table([["Account"], ["Shares"], ["Value"], ["Requested"]],
          p.queue.map((q) => [L.account(q.account), q.shares, q.value, L.block(q.requested_height)]), { empty: "Nobody is waiting." })}</section>
      </div>
      <section class="card"><h2>Workers</h2>${table([["Worker"], ["State"], ["Online"], ["P", "num"], ["V"], ["Stake"]],
        p.worker_list.map((w) => [L.worker(w.worker), w.state, w.online ? html`<span class="badge ok">online</span>` : html`<span class="badge">offline</span>`, w.p, w.v, w.stake]),
        { empty: "No workers in this pool." })}</section></div>`;
  };

  // The EVM page: what the EVM endpoint the explorer was given says of
  // the PhalaAnchor contracts (our chain records none of it).
  const evmStatus = (s) => html`<span class="badge ${s === "answered" ? "ok" : s === "pending" ? "" : "warn"}">${s}</span>`;
  const evmHash = (h) => h ? html`<span class="mono" title="${h}">${shortHash(h)}</span>` : html`<span class="muted">–</span>`;
  pages.evm = async () => {
    const r = await get("evm");
    if (!r.enabled) {
      return html`<div data-view="evm"><h1>EVM bridge</h1><div class="notice">This explorer reads no EVM chain: start it with --evm-rpc (phala devnet --evm does).</div></div>`;
    }
    return html`<div data-view="evm"><h1>EVM bridge <span class="sub">chain ${r.chain_id}</span></h1>
      <div class="notice">Read from the EVM chain's JSON-RPC endpoint (blocks ${num(r.from_block)}–${num(r.head)}), not proven by this chain.</div>
      <section class="card"><h2>Bridged agents</h2>${table([["Agent"], ["Anchor"], ["Chain id"]],
        r.agents.map((a) => [a.on_chain ? L.agent(a.agent) : evmHash(a.agent), evmHash(a.anchor), a.chain_id]),
        { id: "evm-agents", empty: "No anchor has asked an agent yet." })}</section>
      <section class="card"><h2>Anchors</h2>${table([["Anchor"], ["Master signer"], ["Generation", "num"], ["Requests", "num"], ["Answered", "num"], ["Refunded", "num"]],
        r.anchors.map((a) => [evmHash(a.address), evmHash(a.master), a.generation, a.requests, a.answered, a.refunded]),
        { id: "evm-anchors", empty: "No anchors." })}</section>
      <section class="card"><h2>Last requests</h2>${table([["Id", "num"], ["Agent"], ["Requester"], ["Status"], ["Answer tx"], ["Blocks to answer", "num"]],
        r.requests.map((q) => [q.id, evmHash(q.agent), evmHash(q.requester), evmStatus(q.status), evmHash(q.answer_tx), q.answer_tx ? q.blocks_to_answer : ""]),
        { id: "evm-requests", empty: "No requests yet." })}</section></div>`;
  };

  // ---- router ----
  const routes = [
    [/^$/, "overview"], [/^blocks(?:\/(\d+))?$/, "blocks"], [/^block\/(\d+)$/, "block"], [/^txs$/, "txs"], [/^tx\/([0-9a-fA-Fx]+)$/, "tx"],
    [/^account\/(pha1[0-9a-z]+)$/, "account"], [/^workers$/, "workers"], [/^worker\/([0-9a-fA-F]{64})$/, "worker"], [/^keys$/, "keys"],
    [/^clusters$/, "clusters"], [/^cluster\/([0-9a-fA-F]{64})$/, "cluster"], [/^contracts$/, "contracts"], [/^contract\/([0-9a-fA-F]{64})$/, "contract"],
    [/^agents$/, "agents"], [/^agent\/([0-9a-fA-F]{64})$/, "agent"], [/^supply$/, "supply"],
    [/^pools$/, "pools"], [/^pool\/(\d+)$/, "pool"], [/^proposals$/, "proposals"], [/^proposal\/(\d+)$/, "proposal"],
    [/^vaults$/, "vaults"], [/^vault\/(\d+)$/, "vault"], [/^evm$/, "evm"],
  ];
  const navOf = { overview: "overview", blocks: "blocks", block: "blocks", txs: "txs", tx: "txs", account: "", workers: "workers", worker: "workers", keys: "keys",
    clusters: "clusters", cluster: "clusters", contracts: "contracts", contract: "contracts", agents: "agents", agent: "agents", supply: "supply", pools: "pools", pool: "pools", proposals: "proposals", proposal: "proposals", vaults: "vaults", vault: "vaults", evm: "evm" };

  async function route() {
    const path = decodeURIComponent(location.hash.replace(/^#\/?/, "")).replace(/\/+$/, "");
    let page = null, arg;
    for (const [re, name] of routes) {
      const m = re.exec(path);
      if (m) { page = name; arg = m[1]; break; }
    }
    state.route = page;
    document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.dataset.nav === navOf[page]));
    const token = ++state.renderToken;
    if (!page) { show(token, notFound("No such page: #/" + path)); return; }
    if (view.dataset.page !== page) view.innerHTML = '<div class="loading">Loading…</div>';
    try {
      const out = await pages[page](arg);
      show(token, out, page);
      document.title = titleOf(page, arg) + " · Phala Explorer";
    } catch (e) {
      show(token, e.status === 404 || e.status === 400 ? notFound(e.message) : html`<div class="error" data-view="error"><h1>Could not load this page</h1><p>${e.message}</p></div>`);
    }
  }
  const titleOf = (page, arg) => (page[0].toUpperCase() + page.slice(1)) + (arg ? " " + shortHash(arg) : "");
  const notFound = (msg) => html`<div class="error" data-view="notfound"><h1>Not found</h1><p>${msg}</p><p><a href="#/">Back to the overview</a></p></div>`;
  function show(token, out, page) {
    if (token !== state.renderToken) return; // a newer navigation won
    view.innerHTML = out.s;
    view.dataset.page = page || "";
    window.scrollTo(0, 0);
  }

  function setChain(st) {
    if (st.chain_id && st.chain_id !== state.chainId) {
      state.chainId = st.chain_id;
      document.getElementById("chain-id").textContent = st.chain_id;
    }
    setHeight(st.height);
  }
  function setHeight(h) {
    if (h > state.height) {
      state.height = h;
      document.getElementById("live-height").textContent = "#" + num(h);
    }
  }

  // ---- live updates (server-sent events) ----
  function prepend(tableId, row, cols, max) {
    const t = document.getElementById(tableId);
    if (!t) return;
    const tb = t.tBodies[0];
    const tmp = document.createElement("tbody");
    tmp.innerHTML = rowHTML(cols, row).s;
    const tr = tmp.firstElementChild;
    tr.classList.add("fresh");
    tb.insertBefore(tr, tb.firstChild);
    while (tb.rows.length > max) tb.deleteRow(tb.rows.length - 1);
  }
  function onBlock(b) {
    setHeight(b.height);
    const sh = document.getElementById("stat-height");
    if (sh) sh.textContent = num(b.height);
    const stt = document.getElementById("stat-time");
    if (stt) stt.innerHTML = time(b.time).s;
    prepend("latest-blocks", blockRow(b), blockCols, 10);
    prepend("blocks-live", blockRow(b), blockCols, 25);
    const small = [["Tx"], ["Type"], ["Height"], ["Age"], ["Status"]];
    for (const t of b.txs.slice().reverse()) {
      t.time = b.time;
      prepend("latest-txs", [L.tx(t.hash), kindBadge(t.kind), L.block(t.height), time(t.time), statusBadge(t.ok, t.code, t.codespace)], small, 10);
      prepend("txs-live", txRow(t), txCols, 50);
    }
  }
  function connect() {
    if (!window.EventSource) return;
    const live = document.getElementById("live");
    const es = new EventSource(API + "events");
    state.live = es;
    es.addEventListener("open", () => live.classList.add("on"));
    es.addEventListener("error", () => live.classList.remove("on"));
    es.addEventListener("hello", (ev) => { live.classList.add("on"); setHeight(JSON.parse(ev.data).height); });
    es.addEventListener("block", (ev) => { live.classList.add("on"); onBlock(JSON.parse(ev.data)); });
  }

  // ---- search, copy, clocks ----
  document.getElementById("search").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("q");
    const q = input.value.trim();
    if (!q) return;
    try {
      const r = await get("search?q=" + encodeURIComponent(q));
      input.value = "";
      location.hash = r.route;
    } catch (e) {
      state.renderToken++;
      view.innerHTML = notFound(e.message).s;
      view.dataset.page = "";
    }
  });
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-copy]");
    if (!b) return;
    const v = b.dataset.copy;
    const done = () => { b.textContent = "copied"; setTimeout(() => { b.textContent = "copy"; }, 1200); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(v).then(done, () => {});
    else { const ta = document.createElement("textarea"); ta.value = v; document.body.appendChild(ta); ta.select(); try { document.execCommand("copy"); done(); } catch (_) { /* ignore */ } ta.remove(); }
  });
  setInterval(() => document.querySelectorAll("time[data-time]").forEach((t) => { t.textContent = ago(t.dataset.time); }), 5000);

  window.addEventListener("hashchange", route);
  get("status").then(setChain, () => {});
  route();
  connect();
})();
