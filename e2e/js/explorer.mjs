// explorer.mjs drives the devnet's explorer in headless Chromium (Debian's
// /usr/bin/chromium through playwright-core): it follows a transfer to its
// transaction page and on to the recipient's account, a worker's
// registration from the workers list to the worker page and its
// registration transaction, and an agent (after a paid call) to its page;
// it checks that live updates arrive, that no page logs an error, and that
// the phone layout does not overflow. Screenshots go to SHOTS_DIR.
//
//   node explorer.mjs EXPLORER_URL SHOTS_DIR EXPECTED_JSON
//
// EXPECTED_JSON: {"chainId", "transfer": {"hash", "from", "to", "amount"},
// "worker", "agent": {"id", "owner", "price", "minCalls"}, "forbidden": [..]}
// where forbidden lists strings no page may contain (sealed bytes as hex).
// It prints a JSON report on stdout and exits non-zero on any failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [url, shotsDir, expRaw] = process.argv.slice(2);
if (!url || !shotsDir || !expRaw) {
  console.error("usage: node explorer.mjs EXPLORER_URL SHOTS_DIR EXPECTED_JSON");
  process.exit(2);
}
const exp = JSON.parse(expRaw);
mkdirSync(shotsDir, { recursive: true });
const started = Date.now();
const report = { ok: false, steps: [], screenshots: [], errors: [] };
const TIMEOUT = 20000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});

function watch(page, label) {
  page.on("console", (m) => { if (m.type() === "error") report.errors.push(`${label} console: ${m.text()}`); });
  page.on("pageerror", (e) => report.errors.push(`${label} page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const why = (r.failure() && r.failure().errorText) || "";
    // The live stream is cut when the page closes.
    if (!r.url().endsWith("/api/events") && !why.includes("ERR_ABORTED")) report.errors.push(`${label} request failed: ${r.url()} ${why}`);
  });
  page.on("response", (r) => { if (r.status() >= 400) report.errors.push(`${label} HTTP ${r.status()}: ${r.url()}`); });
}

async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
  } catch (e) {
    throw new Error(`step "${name}": ${e.message.split("\n")[0]}`);
  }
  report.steps.push({ name, ms: Date.now() - t });
}

async function shot(page, name) {
  const path = join(shotsDir, name + ".png");
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
}

// waitText waits until the element matching sel contains text.
async function waitText(page, sel, text) {
  try {
    await page.waitForFunction(([s, t]) => { const el = document.querySelector(s); return !!el && el.textContent.includes(t); }, [sel, text], { timeout: TIMEOUT });
  } catch (_) {
    const got = await page.$eval(sel, (el) => el.textContent).catch(() => "(no such element)");
    throw new Error(`${sel} should contain ${JSON.stringify(text)}; it has ${JSON.stringify(got.trim().slice(0, 200))}`);
  }
}

async function view(page, name) {
  await page.waitForSelector(`[data-view="${name}"]`, { timeout: TIMEOUT });
}

// openFromList goes to the list view nav and follows its link to the
// view kind of id.
async function openFromList(page, nav, kind, id) {
  await page.click(`#nav a[data-nav="${nav}"]`);
  await view(page, nav);
  await page.click(`#${nav} a[href="#/${kind}/${id}"]`);
  await view(page, kind);
}

// noForbidden checks the rendered page for sealed bytes.
async function noForbidden(page, where) {
  const content = await page.content();
  for (const f of exp.forbidden || []) {
    if (f && content.toLowerCase().includes(f.toLowerCase())) throw new Error(`${where} shows forbidden data ${f.slice(0, 24)}…`);
  }
}

let code = 1;
try {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await desk.newPage();
  watch(page, "desktop");

  await step("overview renders the live chain", async () => {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await view(page, "overview");
    await waitText(page, "#chain-id", exp.chainId);
    const h0 = Number((await page.textContent("#stat-height")).replace(/,/g, ""));
    if (!(h0 > 0)) throw new Error(`height ${h0}`);
    // Server-sent events move the height without a reload.
    await page.waitForFunction((h) => Number(document.querySelector("#stat-height").textContent.replace(/,/g, "")) > h &&
      document.querySelector("#live").classList.contains("on"), h0, { timeout: TIMEOUT });
    await page.waitForSelector("#latest-blocks tbody tr", { timeout: TIMEOUT });
    await shot(page, "01-overview");
  });

  await step("search finds the transfer", async () => {
    await page.fill("#q", exp.transfer.hash.toLowerCase());
    await page.press("#q", "Enter");
    await view(page, "tx");
    if (!page.url().endsWith("#/tx/" + exp.transfer.hash)) throw new Error(`url ${page.url()}`);
    await page.waitForSelector('[data-msg-type="balances/transfer"]', { timeout: TIMEOUT });
    await waitText(page, '[data-field="status"]', "success");
    await waitText(page, '[data-field="sender"]', exp.transfer.from);
    await waitText(page, '[data-field="msg.to"]', exp.transfer.to);
    await waitText(page, '[data-field="msg.amount"]', exp.transfer.amount + " PHA");
    await shot(page, "02-transfer-tx");
  });

  await step("the recipient's account lists the transfer", async () => {
    await page.click('[data-field="msg.to"] a');
    await view(page, "account");
    await waitText(page, '[data-field="address"]', exp.transfer.to);
    await page.waitForSelector(`#account-txs a[href="#/tx/${exp.transfer.hash}"]`, { timeout: TIMEOUT });
    await page.waitForSelector(`#account-txs tr:has(a[href="#/tx/${exp.transfer.hash}"]) .badge.in`, { timeout: TIMEOUT });
    await waitText(page, '[data-field="balance"]', "PHA");
    await shot(page, "03-account");
  });

  await step("the worker's registration", async () => {
    await openFromList(page, "workers", "worker", exp.worker);
    await waitText(page, '[data-field="id"]', exp.worker);
    await waitText(page, '[data-field="tee"]', "sim");
    await waitText(page, '[data-field="attestation"]', "verified");
    await waitText(page, '[data-field="measurement"]', exp.workerMeasurement || "");
    await shot(page, "04-worker");
    await page.click("#worker-registrations tbody tr:first-child a[href^='#/tx/']");
    await view(page, "tx");
    await page.waitForSelector('[data-msg-type="registry/register_worker"]', { timeout: TIMEOUT });
    await waitText(page, '[data-field="msg.worker"]', exp.worker);
    await waitText(page, '[data-field="msg.evidence_bytes"]', "not shown");
    await shot(page, "05-worker-registration-tx");
  });

  await step("the agent after a paid call", async () => {
    await openFromList(page, "agents", "agent", exp.agent.id);
    await waitText(page, '[data-field="owner"]', exp.agent.owner);
    await waitText(page, '[data-field="price"]', exp.agent.price);
    await waitText(page, '[data-field="secrets"]', "never shown");
    const calls = Number((await page.textContent('[data-field="calls"]')).replace(/,/g, ""));
    if (calls < (exp.agent.minCalls || 0)) throw new Error(`calls ${calls}, want at least ${exp.agent.minCalls}`);
    await noForbidden(page, "the agent page");
    await shot(page, "06-agent");
  });

  await step("keys, clusters, supply and the transfer's block", async () => {
    for (const [nav, name] of [["keys", "07-keys"], ["clusters", "08-clusters"], ["pools", "09a-pools"], ["vaults", "09b-vaults"], ["proposals", "09c-dao"], ["supply", "09-supply"]]) {
      await page.click(`#nav a[data-nav="${nav}"]`);
      await view(page, nav);
      await noForbidden(page, nav);
      await shot(page, name);
    }
    await waitText(page, '[data-field="total"]', "PHA");
    await page.goto(url + "#/block/" + exp.transfer.height);
    await view(page, "block");
    await page.waitForSelector(`a[href="#/tx/${exp.transfer.hash}"]`, { timeout: TIMEOUT });
    await shot(page, "10-block");
  });
  await desk.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const mp = await phone.newPage();
  watch(mp, "phone");
  await step("phone layout", async () => {
    for (const [route, v, name] of [["", "overview", "11-phone-overview"], ["#/tx/" + exp.transfer.hash, "tx", "12-phone-transfer"], ["#/agent/" + exp.agent.id, "agent", "13-phone-agent"]]) {
      await mp.goto(url + route);
      await view(mp, v);
      // On a phone an overflowing page widens the layout viewport itself,
      // so compare with the screen's width, not innerWidth.
      const sw = await mp.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
      if (sw > 391) throw new Error(`${v}: the page is ${sw}px wide on a 390px screen`);
      await shot(mp, name);
    }
  });
  await phone.close();

  if (report.errors.length) throw new Error("the pages logged errors:\n  " + report.errors.join("\n  "));
  report.ok = true;
  code = 0;
} catch (e) {
  report.failure = e.message;
} finally {
  await browser.close();
}
report.ms = Date.now() - started;
console.log(JSON.stringify(report, null, 2));
process.exit(code);
