// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title PhalaAnchor: EVM consumer contracts inherit it to call Phala agents.
/// @notice A consumer pushes a request (agent, payload, deadline, payment);
/// workers of the agent's cluster run the agent in their enclaves and submit
/// the answer signed by the cluster's secp256k1 answer key over the hash of
/// the payload the enclave ran, which must be the request's. The anchor
/// accepts an answer only when that key was authorized for the agent by the
/// network's master EVM key (derived by the gatekeepers from the master key,
/// its address fixed at deployment), only before the deadline, and only
/// once; the consumer's _onAnswer is the callback. A request not answered by
/// its deadline is refunded to the requester. A master-key rotation hands
/// the trust over to the new generation's key with a signature of the old
/// one; answer keys authorized under an older generation stop counting.
abstract contract PhalaAnchor {
    // Domain tags of what the keys sign: each digest is
    // keccak256(abi.encode(TAG, block.chainid, address(this), ...)) and the
    // signature is EIP-191 over it ("\x19Ethereum Signed Message:\n32").
    bytes32 public constant ANSWER_TAG = keccak256("phala/evm/answer/v2");
    bytes32 public constant AUTHORIZE_TAG = keccak256("phala/evm/authorize/v1");
    bytes32 public constant ROTATE_TAG = keccak256("phala/evm/rotate/v1");

    enum Status { None, Pending, Answered, Refunded }

    struct Request {
        address requester;
        uint64 deadline; // last block number at which an answer is accepted
        Status status;
        bytes32 agent;
        uint256 payment;
        // keccak256 of the payload: an answer is accepted only when the
        // enclave signed it over this hash, so a host that hands its enclave
        // another payload under the request's id gets an answer that fails.
        bytes32 payloadHash;
    }

    /// @notice The master EVM key's address of the current generation.
    address public masterSigner;
    /// @notice The master-key generation masterSigner belongs to.
    uint64 public generation;
    /// @notice authorizedAt[agent][key] is the generation (plus one) whose
    /// master key authorized key to answer for agent; 0 if none.
    mapping(bytes32 => mapping(address => uint64)) public authorizedAt;
    /// @notice The id the next request gets (ids start at 1).
    uint256 public nextRequestId = 1;
    mapping(uint256 => Request) public requests;

    event AgentRequest(uint256 indexed id, bytes32 indexed agent, address indexed requester, bytes payload, uint64 deadline, uint256 payment);
    event AgentAnswer(uint256 indexed id, bytes32 indexed agent, address signer, address relayer, bytes answer);
    event AgentRefund(uint256 indexed id, address requester, uint256 payment);
    event KeyAuthorized(bytes32 indexed agent, address key, uint64 generation);
    event MasterRotated(uint64 generation, address signer);

    error NotPending(uint256 id, Status status);
    error PastDeadline(uint256 id, uint64 deadline);
    error NotExpired(uint256 id, uint64 deadline);
    error UnauthorizedSigner(bytes32 agent, address signer);
    error BadMasterSignature(address signer);
    error BadGeneration(uint64 want, uint64 got);
    error BadSignature();
    error DeadlinePassed(uint64 deadline);
    error PaymentFailed(address to);
    error PayloadMismatch(uint256 id, bytes32 want, bytes32 got);

    constructor(address master, uint64 gen) {
        require(master != address(0), "PhalaAnchor: zero master signer");
        masterSigner = master;
        generation = gen;
        emit MasterRotated(gen, master);
    }

    /// @notice Registers a cluster answer key for agent, on the master key's
    /// signature; anyone may submit it (workers do).
    function authorizeKey(bytes32 agent, address key, uint64 gen, bytes calldata sig) external {
        if (gen != generation) revert BadGeneration(generation, gen);
        bytes32 digest = keccak256(abi.encode(AUTHORIZE_TAG, block.chainid, address(this), agent, key, gen));
        address s = _recover(digest, sig);
        if (s != masterSigner) revert BadMasterSignature(s);
        authorizedAt[agent][key] = gen + 1;
        emit KeyAuthorized(agent, key, gen);
    }

    /// @notice Hands the trust to the next generation's master key, on the
    /// current master key's signature.
    function rotateMaster(address next, uint64 nextGen, bytes calldata sig) external {
        if (nextGen <= generation) revert BadGeneration(generation + 1, nextGen);
        require(next != address(0), "PhalaAnchor: zero master signer");
        bytes32 digest = keccak256(abi.encode(ROTATE_TAG, block.chainid, address(this), next, nextGen));
        address s = _recover(digest, sig);
        if (s != masterSigner) revert BadMasterSignature(s);
        masterSigner = next;
        generation = nextGen;
        emit MasterRotated(nextGen, next);
    }

    /// @notice Accepts the answer to request id, computed on the payload
    /// whose hash is payloadHash (the request's, or PayloadMismatch) and
    /// signed over it by an answer key authorized for the request's agent
    /// under the current generation for this relayer (msg.sender, so a
    /// copied answer cannot collect the payment), pays the request's payment
    /// to the relayer and calls _onAnswer.
    function answer(uint256 id, bytes32 payloadHash, bytes calldata result, bytes calldata sig) external {
        Request storage r = requests[id];
        if (r.status != Status.Pending) revert NotPending(id, r.status);
        if (block.number > r.deadline) revert PastDeadline(id, r.deadline);
        if (payloadHash != r.payloadHash) revert PayloadMismatch(id, r.payloadHash, payloadHash);
        bytes32 digest = keccak256(abi.encode(ANSWER_TAG, block.chainid, address(this), id, payloadHash, keccak256(result), msg.sender));
        address s = _recover(digest, sig);
        if (authorizedAt[r.agent][s] != generation + 1) revert UnauthorizedSigner(r.agent, s);
        r.status = Status.Answered;
        uint256 pay = r.payment;
        emit AgentAnswer(id, r.agent, s, msg.sender, result);
        _onAnswer(id, result);
        if (pay > 0) {
            (bool ok, ) = payable(msg.sender).call{value: pay}("");
            if (!ok) revert PaymentFailed(msg.sender);
        }
    }

    /// @notice Returns the payment of a request not answered by its deadline
    /// to its requester.
    function refund(uint256 id) external {
        Request storage r = requests[id];
        if (r.status != Status.Pending) revert NotPending(id, r.status);
        if (block.number <= r.deadline) revert NotExpired(id, r.deadline);
        r.status = Status.Refunded;
        emit AgentRefund(id, r.requester, r.payment);
        if (r.payment > 0) {
            (bool ok, ) = payable(r.requester).call{value: r.payment}("");
            if (!ok) revert PaymentFailed(r.requester);
        }
    }

    /// @notice The digest an answer key signs (EIP-191) for result to id,
    /// computed on the payload whose hash is payloadHash, submitted by
    /// relayer.
    function answerDigest(uint256 id, bytes32 payloadHash, bytes calldata result, address relayer) external view returns (bytes32) {
        return keccak256(abi.encode(ANSWER_TAG, block.chainid, address(this), id, payloadHash, keccak256(result), relayer));
    }

    /// @dev Pushes a request paid with msg.value; deadline is a block number.
    function _request(bytes32 agent, bytes memory payload, uint64 deadline) internal returns (uint256 id) {
        if (deadline <= block.number) revert DeadlinePassed(deadline);
        id = nextRequestId++;
        requests[id] = Request(msg.sender, deadline, Status.Pending, agent, msg.value, keccak256(payload));
        emit AgentRequest(id, agent, msg.sender, payload, deadline, msg.value);
    }

    /// @dev The callback: the consumer's handling of an accepted answer.
    function _onAnswer(uint256 id, bytes calldata result) internal virtual;

    /// @dev EIP-191 recovery of a 65-byte r||s||v signature, refusing
    /// malleable (high s) and malformed ones.
    function _recover(bytes32 digest, bytes calldata sig) internal pure returns (address) {
        if (sig.length != 65) revert BadSignature();
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if (uint256(s) > 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0) revert BadSignature();
        if (v != 27 && v != 28) revert BadSignature();
        bytes32 h = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", digest));
        address a = ecrecover(h, v, r, s);
        if (a == address(0)) revert BadSignature();
        return a;
    }
}
