// A counter whose query "spin" never ends: what a caller who pays nothing
// (queries are free) sends to hold a replica.
export function init(ctx) {
  ctx.state.set("n", 0);
}

export function handle(ctx) {
  const n = ctx.state.get("n") + 1;
  ctx.state.set("n", n);
  return n;
}

export function query(ctx, q) {
  if (q === "spin") {
    for (;;) {}
  }
  return ctx.state.get("n");
}
