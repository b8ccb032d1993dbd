/// <reference path="../../../sdk/contract/phala-contract.d.ts" />
// A sealed-bid auction: bids are commands sealed to the contract key, so
// nobody, not even the workers' operators, sees a bid before the close;
// after the closing height anyone can learn the winner and the price.

interface Args { item: string; closeHeight: number }

export function init(ctx: ContractContext, args: Args) {
  if (typeof args?.item !== "string" || !Number.isSafeInteger(args?.closeHeight)) throw new Error("need item and closeHeight");
  ctx.state.set("seller", ctx.caller);
  ctx.state.set("item", args.item);
  ctx.state.set("close", args.closeHeight);
}

export function handle(ctx: ContractContext, cmd: { bid?: number }) {
  const close = ctx.state.get<number>("close")!;
  if (ctx.height >= close) throw new Error("the auction is closed");
  if (!Number.isSafeInteger(cmd?.bid) || cmd.bid! <= 0) throw new Error("bid must be a positive integer");
  if (ctx.caller === ctx.state.get("seller")) throw new Error("the seller cannot bid");
  ctx.state.set("bid/" + ctx.caller, cmd.bid!);
  return { accepted: cmd.bid };
}

export function query(ctx: ContractContext, q: { result?: boolean; myBid?: boolean }) {
  if (q?.myBid) return ctx.state.get("bid/" + ctx.caller);
  const close = ctx.state.get<number>("close")!;
  if (ctx.height < close) return { open: true, item: ctx.state.get("item"), closes: close };
  // Highest bid wins; ties go to the earlier key in byte order, the same on
  // every replica.
  let winner: string | null = null, best = 0;
  for (const k of ctx.state.keys("bid/")) {
    const b = ctx.state.get<number>(k)!;
    if (b > best) { best = b; winner = k.slice(4); }
  }
  return { open: false, item: ctx.state.get("item"), winner, price: best };
}
