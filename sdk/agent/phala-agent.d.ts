// Types of the phala AI-agent host APIs (docs/agents.md).
//
// An agent is one ES module, TypeScript or JavaScript, whose default export
// handles HTTP requests inside a TEE worker:
//
//   export default async function main(request: AgentRequest): Promise<AgentResponse>
//
// Agents written for Phala's ai-agent-template (request as a JSON string,
// answer as JSON.stringify({status, body, headers})) run unchanged: the
// request is a String holding the JSON that also carries the fields.

/** An HTTP request to the agent. */
interface AgentRequest {
  method: string;
  /** The path below /agents/<id>, starting with "/". */
  path: string;
  queries: Record<string, string[]>;
  /** Request headers, lower-case names; credentials are removed. */
  headers: Record<string, string>;
  body: string;
  /** The owner's secrets (phala agent secrets set), opened in the enclave. */
  secret: Record<string, string>;
}

/** The agent's answer; body may be any JSON value, sent as JSON. */
interface AgentResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | object;
}

interface FetchResponse {
  ok: boolean;
  status: number;
  url: string;
  headers: { get(name: string): string | null; has(name: string): boolean };
  text(): Promise<string>;
  json(): Promise<any>;
}

/** Outbound HTTP(S). Loopback, private, link-local and cloud-metadata
 * addresses are refused (after DNS and on every redirect) unless the
 * worker's operator allows them; requests per call are limited. */
declare function fetch(url: string, init?: FetchInit): Promise<FetchResponse>;

interface ChatMessage { role: "system" | "user" | "assistant"; content: string }

interface ChatRequest {
  /** "provider/model", e.g. "local/stories260K"; llm.models() lists them. */
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}

interface ChatResponse {
  model: string;
  content: string;
  finish_reason: "stop" | "length";
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

/** The AI router; tokens are metered to the caller of the agent. */
declare const llm: {
  chat(req: ChatRequest): Promise<ChatResponse>;
  models(): Promise<string[]>;
};

/** Calls another agent with the same caller, who pays each hop; depth is
 * limited. */
declare const agents: {
  call(id: string, req: { method?: string; path?: string; queries?: Record<string, string[]>; headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; headers: Record<string, string>; body: string }>;
};

/** The agent's key-value store, replicated to a majority of the
 * cluster's members before the call answers. */
declare const kv: {
  get<T = unknown>(key: string): T | null;
  set(key: string, value: unknown): void;
  delete(key: string): void;
};
