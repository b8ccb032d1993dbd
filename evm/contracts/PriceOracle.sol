// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "./PhalaAnchor.sol";

/// @title PriceOracle: an example consumer that asks a Phala agent for a
/// price and keeps the last answer for each pair.
contract PriceOracle is PhalaAnchor {
    /// @notice The agent this oracle asks.
    bytes32 public immutable agent;
    /// @notice answers[id] is the accepted answer to request id.
    mapping(uint256 => bytes) public answers;
    /// @notice The pair each request asked about.
    mapping(uint256 => string) public pairOf;
    /// @notice latest[pair] is the last accepted answer about pair.
    mapping(string => bytes) public latest;
    uint256 public lastAnswered;

    constructor(address master, uint64 gen, bytes32 agentId) PhalaAnchor(master, gen) {
        agent = agentId;
    }

    /// @notice Asks the agent about pair; the answer is accepted until
    /// `blocks` blocks from now, after which refund returns msg.value.
    function ask(string calldata pair, uint64 blocks) external payable returns (uint256 id) {
        id = _request(agent, bytes(pair), uint64(block.number) + blocks);
        pairOf[id] = pair;
    }

    function _onAnswer(uint256 id, bytes calldata result) internal override {
        answers[id] = result;
        latest[pairOf[id]] = result;
        lastAnswered = id;
    }
}
