/// <reference path="../../../sdk/contract/phala-contract.d.ts" />
// A secret-holding vault with access control: the owner stores named
// secrets and grants readers; a reader queries a secret it was granted.
// Secrets exist in plaintext only inside the enclaves.

export function init(ctx: ContractContext) {
  ctx.state.set("owner", ctx.caller);
}

function requireOwner(ctx: ContractContext) {
  if (ctx.caller !== ctx.state.get("owner")) throw new Error("only the owner may do that");
}

export function handle(ctx: ContractContext, cmd: { put?: { name: string; secret: string }; grant?: { name: string; reader: string }; revoke?: { name: string; reader: string } }) {
  requireOwner(ctx);
  if (cmd?.put) {
    ctx.state.set("secret/" + cmd.put.name, cmd.put.secret);
    return { stored: cmd.put.name };
  }
  const g = cmd?.grant ?? cmd?.revoke;
  if (!g) throw new Error("unknown command");
  if (ctx.state.get("secret/" + g.name) === null) throw new Error("no such secret");
  if (cmd.grant) ctx.state.set("grant/" + g.name + "/" + g.reader, true);
  else ctx.state.delete("grant/" + g.name + "/" + g.reader);
  ctx.emit({ [cmd.grant ? "granted" : "revoked"]: g.name, reader: g.reader });
  return null;
}

export function query(ctx: ContractContext, q: { read?: string; list?: boolean }) {
  if (q?.list) {
    requireOwner(ctx);
    return ctx.state.keys("secret/").map((k) => k.slice(7));
  }
  const name = q?.read;
  if (typeof name !== "string") throw new Error("ask for {read: name}");
  const owner = ctx.state.get("owner");
  if (ctx.caller !== owner && ctx.state.get("grant/" + name + "/" + ctx.caller) !== true) {
    throw new Error("access denied");
  }
  return ctx.state.get("secret/" + name);
}
