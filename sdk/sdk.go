// Package sdk embeds the TypeScript type definitions of the contract and
// agent APIs, so phala agent init can write them into a new project.
package sdk

import _ "embed"

// AgentTypes are the type definitions of the agent host APIs.
//
//go:embed agent/phala-agent.d.ts
var AgentTypes string

// ContractTypes are the type definitions of the contract API.
//
//go:embed contract/phala-contract.d.ts
var ContractTypes string
