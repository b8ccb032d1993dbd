// compile.mjs compiles the contracts of this directory with the pinned
// solc (package.json) and writes build/<Name>.abi and build/<Name>.bin, or,
// with --check DIR, writes them under DIR instead (the Go test compares).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import solc from "solc";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] === "--check" ? process.argv[3] : path.join(here, "build");
const sources = {};
for (const f of fs.readdirSync(here).filter((f) => f.endsWith(".sol")).sort()) {
  sources[f] = { content: fs.readFileSync(path.join(here, f), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const res = JSON.parse(solc.compile(JSON.stringify(input)));
const errs = (res.errors || []).filter((e) => e.severity === "error");
if (errs.length) {
  for (const e of errs) console.error(e.formattedMessage);
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });
for (const [file, contracts] of Object.entries(res.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    fs.writeFileSync(path.join(out, name + ".abi"), JSON.stringify(c.abi, null, 1) + "\n");
    // An abstract contract (the anchor) has an ABI but no bytecode.
    if (c.evm.bytecode.object) fs.writeFileSync(path.join(out, name + ".bin"), c.evm.bytecode.object + "\n");
  }
}
console.log("solc " + solc.version() + ": " + out);
