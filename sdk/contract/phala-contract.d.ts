// Types of the phala confidential-contract API (docs/contracts.md).
//
// A contract is one ES module, TypeScript or JavaScript, that exports some
// of init, handle, query and migrate. Every worker of the contract's
// cluster runs it inside its TEE, in block order, deterministically: the
// same inputs give the same state on every replica.
//
// Reference these types with a triple-slash directive at the top of a
// contract:
//
//   /// <reference path="../../../sdk/contract/phala-contract.d.ts" />

/** Any value that survives JSON.stringify / JSON.parse. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The contract's private key-value state, sealed under the contract key. */
interface ContractState {
  /** The value stored under key, or null. */
  get<T extends Json = Json>(key: string): T | null;
  /** Stores a JSON value (at most 64 KiB once encoded). Throws in a query. */
  set(key: string, value: Json): void;
  /** Removes key. Throws in a query. */
  delete(key: string): void;
  /** Keys that start with prefix, in byte order. */
  keys(prefix?: string): string[];
}

/** What a handler knows about the call. */
interface ContractContext {
  /** The contract id (hex). */
  readonly contract: string;
  /** The caller's account address (pha1...), verified by the chain for
   * commands and by the worker for queries. */
  readonly caller: string;
  /** The block height of the input (for a query: the worker's synced height). */
  readonly height: number;
  /** The block time in milliseconds; Date.now() returns the same. */
  readonly time: number;
  /** The input's number in the contract's ordered input. */
  readonly input: number;
  readonly state: ContractState;
  /** Emits an event, sealed to the caller with the output. */
  emit(event: Json): void;
}

/** The constructor: runs once with the public arguments of instantiate. */
type InitFn = (ctx: ContractContext, args: Json) => Json | void | Promise<Json | void>;
/** A command: may change state; a throw rolls the command back. */
type HandleFn = (ctx: ContractContext, command: Json) => Json | void | Promise<Json | void>;
/** A query: reads state only, answered by one worker. */
type QueryFn = (ctx: ContractContext, request: Json) => Json | void | Promise<Json | void>;
/** Runs once when the owner upgrades to this code. */
type MigrateFn = (ctx: ContractContext) => Json | void | Promise<Json | void>;
