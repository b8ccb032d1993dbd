// explorer-evm.mjs opens the explorer's EVM page in headless Chromium
// (Debian's /usr/bin/chromium through playwright-core), from the nav link,
// and checks it lists the bridged agent and the last requests, each
// answered with its answer transaction, with no page error. A screenshot
// goes to SHOTS_DIR.
//
//   node explorer-evm.mjs EXPLORER_URL SHOTS_DIR EXPECTED_JSON
//
// EXPECTED_JSON: {"agent": "<64 hex>", "requests": N}. It prints a JSON
// report on stdout and exits non-zero on any failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [url, shotsDir, expRaw] = process.argv.slice(2);
if (!url || !shotsDir || !expRaw) {
  console.error("usage: node explorer-evm.mjs EXPLORER_URL SHOTS_DIR EXPECTED_JSON");
  process.exit(2);
}
const exp = JSON.parse(expRaw);
mkdirSync(shotsDir, { recursive: true });
const report = { ok: false, errors: [], screenshots: [] };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") report.errors.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => report.errors.push(`page error: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) report.errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.click('#nav a[data-nav="evm"]');
  await page.waitForSelector('[data-view="evm"] #evm-requests', { timeout: 20000 });
  const agents = await page.$$eval("#evm-agents tbody tr", (rows) => rows.map((r) => r.innerHTML));
  if (agents.length !== 1 || !agents[0].includes(`#/agent/${exp.agent}`)) throw new Error(`bridged agents: ${agents.join(" | ")}`);
  const rows = await page.$$eval("#evm-requests tbody tr", (rows) => rows.map((r) => r.innerText));
  if (rows.length !== exp.requests) throw new Error(`${rows.length} requests listed, want ${exp.requests}`);
  for (const r of rows) if (!r.includes("answered") || !r.includes("0x")) throw new Error(`request row not answered: ${r}`);
  const path = join(shotsDir, "evm.png");
  await page.screenshot({ path, fullPage: true });
  report.screenshots.push(path);
  report.ok = report.errors.length === 0;
} catch (e) {
  report.errors.push(e.message.split("\n")[0]);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
