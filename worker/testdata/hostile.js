// Hostile commands: each must fail with its own error and leave the
// contract serving.
export function handle(ctx, cmd) {
  switch (cmd) {
    case "loop":
      for (;;) { try { while (true) {} } catch (e) {} }
    case "memory": {
      const a = [];
      for (;;) a.push("x".repeat(1 << 16) + a.length);
    }
    case "recurse": {
      const f = (n) => f(n + 1) + 1;
      return f(0);
    }
    case "output":
      return "y".repeat(1 << 20);
    case "ok":
      ctx.state.set("survived", true);
      return "fine";
  }
  throw new Error("unknown command");
}
