// Version 2 of the example token for the upgrade test: same state, a
// migrate step that records the version, and a query that reports it.
export function migrate(ctx) {
  ctx.state.set("version", 2);
}

export function handle(ctx, cmd) {
  const t = cmd && cmd.transfer;
  if (!t) throw new Error("unknown command");
  const from = ctx.state.get("balance/" + ctx.caller) ?? 0;
  if (from < t.amount) throw new Error("insufficient balance");
  ctx.state.set("balance/" + ctx.caller, from - t.amount);
  ctx.state.set("balance/" + t.to, (ctx.state.get("balance/" + t.to) ?? 0) + t.amount);
  return { balance: from - t.amount, version: 2 };
}

export function query(ctx, q) {
  if (q && q.version) return ctx.state.get("version");
  return ctx.state.get("balance/" + ctx.caller) ?? 0;
}
