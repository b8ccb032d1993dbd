// An agent in the shape of Phala's ai-agent-template, unchanged: the
// request is a JSON string, the answer is JSON.stringify({status, body,
// headers}).
async function main(request) {
  const req = JSON.parse(request);
  return JSON.stringify({
    status: 200,
    body: JSON.stringify({ echo: req.body, path: req.path, method: req.method }),
    headers: { "Content-Type": "application/json" },
  });
}

export default main;
