// A secret that queries reveal only once the block time reaches a release
// time: what a timed release, or a sealed-bid auction's result, does with
// ctx.time.
export function init(ctx, a) {
  ctx.state.set("at", a.at);
  ctx.state.set("secret", a.secret);
}

export function handle(ctx) {
  return null;
}

export function query(ctx) {
  return ctx.time >= ctx.state.get("at") ? ctx.state.get("secret") : "locked";
}
