/// <reference path="../../../sdk/contract/phala-contract.d.ts" />
// A private token: balances live in the contract's sealed state, so the
// chain shows only that somebody sent a command; each holder can query
// only their own balance.

interface Transfer { to: string; amount: number }

function balance(ctx: ContractContext, who: string): number {
  return ctx.state.get<number>("balance/" + who) ?? 0;
}

export function init(ctx: ContractContext, args: { supply: number }) {
  if (!Number.isSafeInteger(args?.supply) || args.supply <= 0) throw new Error("supply must be a positive integer");
  ctx.state.set("owner", ctx.caller);
  ctx.state.set("supply", args.supply);
  ctx.state.set("balance/" + ctx.caller, args.supply);
}

export function handle(ctx: ContractContext, cmd: { transfer?: Transfer }) {
  const t = cmd?.transfer;
  if (!t) throw new Error("unknown command");
  if (!Number.isSafeInteger(t.amount) || t.amount <= 0) throw new Error("amount must be a positive integer");
  const from = balance(ctx, ctx.caller);
  if (from < t.amount) throw new Error("insufficient balance");
  ctx.state.set("balance/" + ctx.caller, from - t.amount);
  ctx.state.set("balance/" + t.to, balance(ctx, t.to) + t.amount);
  ctx.emit({ transferred: t.amount, to: t.to });
  return { balance: from - t.amount };
}

export function query(ctx: ContractContext, q: { balance?: string; supply?: boolean }) {
  if (q?.supply) return ctx.state.get("supply");
  const who = q?.balance ?? ctx.caller;
  if (who !== ctx.caller) throw new Error("balances are private: you may query only your own");
  return balance(ctx, who);
}
