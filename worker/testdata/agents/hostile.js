// Hostile handlers: each must be stopped with its own error while the
// worker keeps serving.
export default async function main(req) {
  switch (req.path) {
    case "/memory": {
      const a = [];
      for (;;) a.push("x".repeat(1 << 16) + a.length);
    }
    case "/recurse": {
      const f = (n) => f(n + 1) + 1;
      return { body: String(f(0)) };
    }
    case "/output":
      return { body: "y".repeat(2 << 20) };
    case "/throw":
      throw new Error("handler refused");
  }
  return { status: 200, body: "fine" };
}
