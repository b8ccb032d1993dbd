// read-blocks.mjs reads a phala node through cosmjs, a third-party CometBFT
// RPC client, to show that the chain speaks plain CometBFT 0.38 RPC.
//
//   node read-blocks.mjs http://127.0.0.1:26657 [HEIGHT...]
//
// It prints one JSON object:
//
//   chainId     the network reported by /status
//   height      the latest block height reported by /status
//   latestHeight, latestHash, latestTxs
//               the latest block (read after /status) and the SHA-256 hashes
//               (upper-case hex, as CometBFT prints them) of its transactions
//   block1Hash  the hash of block 1
//   blocks      for each HEIGHT argument: {height: {hash, chainId, txs}}
import { createHash } from "node:crypto";
import { Comet38Client } from "@cosmjs/tendermint-rpc";

const hex = (bytes) => Buffer.from(bytes).toString("hex").toUpperCase();
const txHash = (tx) => createHash("sha256").update(tx).digest("hex").toUpperCase();

async function main() {
  const [url, ...heights] = process.argv.slice(2);
  if (!url) {
    throw new Error("usage: node read-blocks.mjs RPC_URL [HEIGHT...]");
  }
  const client = await Comet38Client.connect(url);
  try {
    const status = await client.status();
    const latest = await client.block();
    const block1 = await client.block(1);
    if (block1.block.header.height !== 1) {
      throw new Error(`block(1) returned height ${block1.block.header.height}`);
    }
    const blocks = {};
    for (const h of heights) {
      const n = Number.parseInt(h, 10);
      if (!Number.isSafeInteger(n) || n < 1) {
        throw new Error(`height must be a positive integer, got ${JSON.stringify(h)}`);
      }
      const b = await client.block(n);
      blocks[n] = {
        hash: hex(b.blockId.hash),
        chainId: b.block.header.chainId,
        txs: b.block.txs.map(txHash),
      };
    }
    const out = {
      chainId: status.nodeInfo.network,
      height: status.syncInfo.latestBlockHeight,
      latestHeight: latest.block.header.height,
      latestHash: hex(latest.blockId.hash),
      latestTxs: latest.block.txs.map(txHash),
      block1Hash: hex(block1.blockId.hash),
      blocks,
    };
    process.stdout.write(JSON.stringify(out) + "\n");
  } finally {
    client.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`read-blocks: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
