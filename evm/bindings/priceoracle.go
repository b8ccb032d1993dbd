// Code generated - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"context"
	"errors"
	"math/big"
	"strings"
	"time"

	ethereum "github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/event"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = errors.New
	_ = big.NewInt
	_ = strings.NewReader
	_ = ethereum.NotFound
	_ = bind.Bind
	_ = common.Big1
	_ = types.BloomLookup
	_ = event.NewSubscription
	_ = abi.ConvertType
	_ = time.Tick
	_ = context.Background
)

// PriceOracleMetaData contains all meta data concerning the PriceOracle contract.
var PriceOracleMetaData = &bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"master\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"gen\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"agentId\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"want\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"got\",\"type\":\"uint64\"}],\"name\":\"BadGeneration\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"BadMasterSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"DeadlinePassed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"NotExpired\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"enumPhalaAnchor.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"NotPending\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"PastDeadline\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"}],\"name\":\"PaymentFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"UnauthorizedSigner\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"relayer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"answer\",\"type\":\"bytes\"}],\"name\":\"AgentAnswer\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"}],\"name\":\"AgentRefund\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"payload\",\"type\":\"bytes\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"}],\"name\":\"AgentRequest\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"key\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"generation\",\"type\":\"uint64\"}],\"name\":\"KeyAuthorized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"generation\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"MasterRotated\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"ANSWER_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"AUTHORIZE_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"ROTATE_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"agent\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"result\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"answer\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"result\",\"type\":\"bytes\"},{\"internalType\":\"address\",\"name\":\"relayer\",\"type\":\"address\"}],\"name\":\"answerDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"answers\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"pair\",\"type\":\"string\"},{\"internalType\":\"uint64\",\"name\":\"blocks\",\"type\":\"uint64\"}],\"name\":\"ask\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"key\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"gen\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"authorizeKey\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"authorizedAt\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"generation\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"lastAnswered\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"name\":\"latest\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"masterSigner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextRequestId\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"pairOf\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"refund\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"requests\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"},{\"internalType\":\"enumPhalaAnchor.Status\",\"name\":\"status\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"next\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"nextGen\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"rotateMaster\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60a06040526001600255348015610014575f5ffd5b50604051611a5f380380611a5f8339810160408190526100339161010a565b82826001600160a01b03821661008f5760405162461bcd60e51b815260206004820152601f60248201527f5068616c61416e63686f723a207a65726f206d6173746572207369676e657200604482015260640160405180910390fd5b5f80546001600160a01b0384166001600160e01b03199091168117600160a01b6001600160401b038516908102919091179092556040805192835260208301919091527f3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5910160405180910390a15050608052506101609050565b5f5f5f6060848603121561011c575f5ffd5b83516001600160a01b0381168114610132575f5ffd5b60208501519093506001600160401b038116811461014e575f5ffd5b80925050604084015190509250925092565b6080516118e061017f5f395f8181610436015261092c01526118e05ff3fe608060405260043610610110575f3560e01c80636a84a9851161009d578063953056801161006257806395305680146103615780639595ace714610380578063a2fcf66f146103b3578063a6a5d7cf146103e6578063f5ff5c7614610425575f5ffd5b80636a84a98514610276578063793475931461028b57806381d12c58146102be5780638245cb9c1461032d5780638528cc5f14610342575f5ffd5b806320a3cd01116100e357806320a3cd01146101ce578063278ecde1146102045780633dc07a65146102255780635741bb75146102445780635ca25c1414610257575f5ffd5b8063172195221461011457806317599cc5146101565780631a87e3c6146101825780631d1c5088146101af575b5f5ffd5b34801561011f575f5ffd5b505f5461013990600160a01b90046001600160401b031681565b6040516001600160401b0390911681526020015b60405180910390f35b348015610161575f5ffd5b506101756101703660046111af565b610458565b60405161014d91906111f4565b34801561018d575f5ffd5b506101a161019c366004611265565b6104ef565b60405190815260200161014d565b3480156101ba575f5ffd5b506101756101c93660046111af565b610584565b3480156101d9575f5ffd5b505f546101ec906001600160a01b031681565b6040516001600160a01b03909116815260200161014d565b34801561020f575f5ffd5b5061022361021e3660046111af565b61059c565b005b348015610230575f5ffd5b5061022361023f3660046112d4565b61073a565b6101a1610252366004611330565b610926565b348015610262575f5ffd5b5061022361027136600461137f565b6109b5565b348015610281575f5ffd5b506101a160025481565b348015610296575f5ffd5b506101a17f89d93b0193a990bd01f6ba4aaf0941ed1be1d99295d43e673df9fe48301df13a81565b3480156102c9575f5ffd5b5061031c6102d83660046111af565b60036020525f90815260409020805460018201546002909201546001600160a01b03821692600160a01b83046001600160401b031692600160e01b900460ff169185565b60405161014d95949392919061142a565b348015610338575f5ffd5b506101a160075481565b34801561034d575f5ffd5b5061022361035c366004611469565b610c5c565b34801561036c575f5ffd5b5061017561037b3660046114c9565b610dfa565b34801561038b575f5ffd5b506101a17f0975f164581e53925add7863e0c0c9893a4e9c6b3f7f38699b36070609384c4081565b3480156103be575f5ffd5b506101a17ff043c32db2436221cd1c2dd19f56cfc1c1fdc16e284d4e85e3845d1911535e5d81565b3480156103f1575f5ffd5b50610139610400366004611579565b600160209081525f92835260408084209091529082529020546001600160401b031681565b348015610430575f5ffd5b506101a17f000000000000000000000000000000000000000000000000000000000000000081565b60046020525f908152604090208054610470906115a3565b80601f016020809104026020016040519081016040528092919081815260200182805461049c906115a3565b80156104e75780601f106104be576101008083540402835291602001916104e7565b820191905f5260205f20905b8154815290600101906020018083116104ca57829003601f168201915b505050505081565b5f7f89d93b0193a990bd01f6ba4aaf0941ed1be1d99295d43e673df9fe48301df13a46308787876040516105249291906115db565b6040805191829003822060208301969096528101939093526001600160a01b039182166060840152608083015260a082019290925290831660c082015260e001604051602081830303815290604052805190602001209050949350505050565b60056020525f908152604090208054610470906115a3565b5f81815260036020526040902060018154600160e01b900460ff1660038111156105c8576105c86113f6565b146105ff5780546040516345945c7d60e11b81526105f6918491600160e01b90910460ff16906004016115ea565b60405180910390fd5b8054600160a01b90046001600160401b0316431161064b578054604051637c683ddf60e01b815260048101849052600160a01b9091046001600160401b031660248201526044016105f6565b8054600360e01b60ff60e01b1982161782556002820154604080516001600160a01b039093168352602083019190915283917f464287d24c175aa92c926603fccc531de3af6ee619c383ff2a646dd1c1cfd6fa910160405180910390a260028101541561073657805460028201546040515f926001600160a01b031691908381818185875af1925050503d805f81146106ff576040519150601f19603f3d011682016040523d82523d5f602084013e610704565b606091505b50509050806107345781546040516306d133c960e31b81526001600160a01b0390911660048201526024016105f6565b505b5050565b5f546001600160401b03600160a01b9091048116908416116107a0575f5461077390600160a01b90046001600160401b03166001611612565b60405163129518a560e01b81526001600160401b03918216600482015290841660248201526044016105f6565b6001600160a01b0384166107f65760405162461bcd60e51b815260206004820152601f60248201527f5068616c61416e63686f723a207a65726f206d6173746572207369676e65720060448201526064016105f6565b604080517ff043c32db2436221cd1c2dd19f56cfc1c1fdc16e284d4e85e3845d1911535e5d602082015246918101919091523060608201526001600160a01b03851660808201526001600160401b03841660a08201525f9060c0016040516020818303038152906040528051906020012090505f610875828585610e1e565b5f549091506001600160a01b038083169116146108b057604051630ad2ba0d60e01b81526001600160a01b03821660048201526024016105f6565b5f80546001600160a01b0388166001600160e01b03199091168117600160a01b6001600160401b038916908102919091179092556040805192835260208301919091527f3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5910160405180910390a1505050505050565b5f6109927f000000000000000000000000000000000000000000000000000000000000000085858080601f0160208091040260200160405190810160405280939291908181526020018383808284375f9201919091525061098d9250879150439050611612565b610fff565b5f8181526005602052604090209091506109ad848683611682565b509392505050565b5f85815260036020526040902060018154600160e01b900460ff1660038111156109e1576109e16113f6565b14610a0f5780546040516345945c7d60e11b81526105f6918891600160e01b90910460ff16906004016115ea565b8054600160a01b90046001600160401b0316431115610a5c578054604051639dc6e7db60e01b815260048101889052600160a01b9091046001600160401b031660248201526044016105f6565b5f7f89d93b0193a990bd01f6ba4aaf0941ed1be1d99295d43e673df9fe48301df13a4630898989604051610a919291906115db565b6040805191829003822060208301969096528101939093526001600160a01b039091166060830152608082015260a08101919091523360c082015260e0016040516020818303038152906040528051906020012090505f610af3828686610e1e565b5f54909150610b1390600160a01b90046001600160401b03166001611612565b6001848101545f908152602091825260408082206001600160a01b038616835290925220546001600160401b03908116911614610b7b5760018301546040516305a110d960e41b815260048101919091526001600160a01b03821660248201526044016105f6565b825460ff60e01b1916600160e11b178355600283015460018401546040518a907f2c360fcd24a3061a1b6ec14c410bfbd94e46819e31edbea0764292177deab7d990610bce90869033908e908e9061173b565b60405180910390a3610be1898989611151565b8015610c51576040515f90339083908381818185875af1925050503d805f8114610c26576040519150601f19603f3d011682016040523d82523d5f602084013e610c2b565b606091505b5050905080610c4f576040516306d133c960e31b81523360048201526024016105f6565b505b505050505050505050565b5f546001600160401b03848116600160a01b9092041614610cad575f5460405163129518a560e01b8152600160a01b9091046001600160401b039081166004830152841660248201526044016105f6565b604080517f0975f164581e53925add7863e0c0c9893a4e9c6b3f7f38699b36070609384c4060208201524691810191909152306060820152608081018690526001600160a01b03851660a08201526001600160401b03841660c08201525f9060e0016040516020818303038152906040528051906020012090505f610d33828585610e1e565b5f549091506001600160a01b03808316911614610d6e57604051630ad2ba0d60e01b81526001600160a01b03821660048201526024016105f6565b610d79856001611612565b5f8881526001602090815260408083206001600160a01b038b1680855290835292819020805467ffffffffffffffff19166001600160401b0395861617905580519283529288169082015288917f1a8f63c83797605e1e7aa2e0084616a30611c05c2514a551830e0fa9d6a8516d910160405180910390a250505050505050565b805160208183018101805160068252928201919093012091528054610470906115a3565b5f60418214610e4057604051635cd5d23360e01b815260040160405180910390fd5b5f610e4e6020828587611783565b610e57916117aa565b90505f610e68604060208688611783565b610e71916117aa565b90505f85856040818110610e8757610e876117c7565b919091013560f81c915050601b811015610ea957610ea6601b826117db565b90505b7f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0821115610eea57604051635cd5d23360e01b815260040160405180910390fd5b8060ff16601b14158015610f0257508060ff16601c14155b15610f2057604051635cd5d23360e01b815260040160405180910390fd5b6040517f19457468657265756d205369676e6564204d6573736167653a0a3332000000006020820152603c81018890525f90605c0160408051601f1981840301815282825280516020918201205f80855291840180845281905260ff86169284019290925260608301879052608083018690529092509060019060a0016020604051602081039080840390855afa158015610fbd573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b038116610ff157604051635cd5d23360e01b815260040160405180910390fd5b9450505050505b9392505050565b5f43826001600160401b03161161103457604051636768091360e01b81526001600160401b03831660048201526024016105f6565b60028054905f611043836117f4565b909155506040805160a0810182523381526001600160401b03851660208201529192508101600181526020808201879052346040928301525f84815260038083529083902084518154938601516001600160401b0316600160a01b026001600160e01b03199094166001600160a01b039091161792909217808355928401519192839160ff60e01b1990911690600160e01b9084908111156110e7576110e76113f6565b02179055506060820151816001015560808201518160020155905050336001600160a01b031684827f4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db8686346040516111429392919061180c565b60405180910390a49392505050565b5f838152600460205260409020611169828483611682565b508181600660055f8781526020019081526020015f2060405161118c9190611839565b908152602001604051809103902091826111a7929190611682565b505050600755565b5f602082840312156111bf575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f610ff860208301846111c6565b5f5f83601f840112611216575f5ffd5b5081356001600160401b0381111561122c575f5ffd5b602083019150836020828501011115611243575f5ffd5b9250929050565b80356001600160a01b0381168114611260575f5ffd5b919050565b5f5f5f5f60608587031215611278575f5ffd5b8435935060208501356001600160401b03811115611294575f5ffd5b6112a087828801611206565b90945092506112b390506040860161124a565b905092959194509250565b80356001600160401b0381168114611260575f5ffd5b5f5f5f5f606085870312156112e7575f5ffd5b6112f08561124a565b93506112fe602086016112be565b925060408501356001600160401b03811115611318575f5ffd5b61132487828801611206565b95989497509550505050565b5f5f5f60408486031215611342575f5ffd5b83356001600160401b03811115611357575f5ffd5b61136386828701611206565b90945092506113769050602085016112be565b90509250925092565b5f5f5f5f5f60608688031215611393575f5ffd5b8535945060208601356001600160401b038111156113af575f5ffd5b6113bb88828901611206565b90955093505060408601356001600160401b038111156113d9575f5ffd5b6113e588828901611206565b969995985093965092949392505050565b634e487b7160e01b5f52602160045260245ffd5b6004811061142657634e487b7160e01b5f52602160045260245ffd5b9052565b6001600160a01b03861681526001600160401b038516602082015260a08101611456604083018661140a565b6060820193909352608001529392505050565b5f5f5f5f5f6080868803121561147d575f5ffd5b8535945061148d6020870161124a565b935061149b604087016112be565b925060608601356001600160401b038111156113d9575f5ffd5b634e487b7160e01b5f52604160045260245ffd5b5f602082840312156114d9575f5ffd5b81356001600160401b038111156114ee575f5ffd5b8201601f810184136114fe575f5ffd5b80356001600160401b03811115611517576115176114b5565b604051601f8201601f19908116603f011681016001600160401b0381118282101715611545576115456114b5565b60405281815282820160200186101561155c575f5ffd5b816020840160208301375f91810160200191909152949350505050565b5f5f6040838503121561158a575f5ffd5b8235915061159a6020840161124a565b90509250929050565b600181811c908216806115b757607f821691505b6020821081036115d557634e487b7160e01b5f52602260045260245ffd5b50919050565b818382375f9101908152919050565b82815260408101610ff8602083018461140a565b634e487b7160e01b5f52601160045260245ffd5b6001600160401b038181168382160190811115611631576116316115fe565b92915050565b601f82111561073457805f5260205f20601f840160051c8101602085101561165c5750805b601f840160051c820191505b8181101561167b575f8155600101611668565b5050505050565b6001600160401b03831115611699576116996114b5565b6116ad836116a783546115a3565b83611637565b5f601f8411600181146116de575f85156116c75750838201355b5f19600387901b1c1916600186901b17835561167b565b5f83815260208120601f198716915b8281101561170d57868501358255602094850194600190920191016116ed565b5086821015611729575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b6001600160a01b038581168252841660208201526060604082018190528101829052818360808301375f818301608090810191909152601f909201601f191601019392505050565b5f5f85851115611791575f5ffd5b8386111561179d575f5ffd5b5050820193919092039150565b80356020831015611631575f19602084900360031b1b1692915050565b634e487b7160e01b5f52603260045260245ffd5b60ff8181168382160190811115611631576116316115fe565b5f60018201611805576118056115fe565b5060010190565b606081525f61181e60608301866111c6565b6001600160401b039490941660208301525060400152919050565b5f5f8354611846816115a3565b60018216801561185d57600181146118725761189f565b60ff198316865281151582028601935061189f565b865f5260205f205f5b838110156118975781548882015260019091019060200161187b565b505081860193505b50919594505050505056fea264697066735822122050e83886b0ab601fc6c4e9d8e0f9b1845ac97bb7f2f71d77776cc4b2fd8bcd0c64736f6c634300081c0033",
}

// PriceOracleABI is the input ABI used to generate the binding from.
// Deprecated: Use PriceOracleMetaData.ABI instead.
var PriceOracleABI = PriceOracleMetaData.ABI

// PriceOracleBin is the compiled bytecode used for deploying new contracts.
// Deprecated: Use PriceOracleMetaData.Bin instead.
var PriceOracleBin = PriceOracleMetaData.Bin

// DeployPriceOracle deploys a new Ethereum contract, binding an instance of PriceOracle to it.
func DeployPriceOracle(auth *bind.TransactOpts, backend bind.ContractBackend, master common.Address, gen uint64, agentId [32]byte) (common.Address, *types.Transaction, *PriceOracle, error) {
	parsed, err := PriceOracleMetaData.GetAbi()
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	if parsed == nil {
		return common.Address{}, nil, nil, errors.New("GetABI returned nil")
	}

	address, tx, contract, err := bind.DeployContract(auth, *parsed, common.FromHex(PriceOracleBin), backend, master, gen, agentId)
	if err != nil {
		return common.Address{}, nil, nil, err
	}
	return address, tx, &PriceOracle{PriceOracleCaller: PriceOracleCaller{contract: contract}, PriceOracleTransactor: PriceOracleTransactor{contract: contract}, PriceOracleFilterer: PriceOracleFilterer{contract: contract}}, nil
}

// PriceOracle is an auto generated Go binding around an Ethereum contract.
type PriceOracle struct {
	PriceOracleCaller     // Read-only binding to the contract
	PriceOracleTransactor // Write-only binding to the contract
	PriceOracleFilterer   // Log filterer for contract events
}

// PriceOracleCaller is an auto generated read-only Go binding around an Ethereum contract.
type PriceOracleCaller struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// PriceOracleTransactor is an auto generated write-only Go binding around an Ethereum contract.
type PriceOracleTransactor struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// PriceOracleFilterer is an auto generated log filtering Go binding around an Ethereum contract events.
type PriceOracleFilterer struct {
	contract *bind.BoundContract // Generic contract wrapper for the low level calls
}

// PriceOracleSession is an auto generated Go binding around an Ethereum contract,
// with pre-set call and transact options.
type PriceOracleSession struct {
	Contract     *PriceOracle      // Generic contract binding to set the session for
	CallOpts     bind.CallOpts     // Call options to use throughout this session
	TransactOpts bind.TransactOpts // Transaction auth options to use throughout this session
}

// PriceOracleCallerSession is an auto generated read-only Go binding around an Ethereum contract,
// with pre-set call options.
type PriceOracleCallerSession struct {
	Contract *PriceOracleCaller // Generic contract caller binding to set the session for
	CallOpts bind.CallOpts      // Call options to use throughout this session
}

// PriceOracleTransactorSession is an auto generated write-only Go binding around an Ethereum contract,
// with pre-set transact options.
type PriceOracleTransactorSession struct {
	Contract     *PriceOracleTransactor // Generic contract transactor binding to set the session for
	TransactOpts bind.TransactOpts      // Transaction auth options to use throughout this session
}

// PriceOracleRaw is an auto generated low-level Go binding around an Ethereum contract.
type PriceOracleRaw struct {
	Contract *PriceOracle // Generic contract binding to access the raw methods on
}

// PriceOracleCallerRaw is an auto generated low-level read-only Go binding around an Ethereum contract.
type PriceOracleCallerRaw struct {
	Contract *PriceOracleCaller // Generic read-only contract binding to access the raw methods on
}

// PriceOracleTransactorRaw is an auto generated low-level write-only Go binding around an Ethereum contract.
type PriceOracleTransactorRaw struct {
	Contract *PriceOracleTransactor // Generic write-only contract binding to access the raw methods on
}

// NewPriceOracle creates a new instance of PriceOracle, bound to a specific deployed contract.
func NewPriceOracle(address common.Address, backend bind.ContractBackend) (*PriceOracle, error) {
	contract, err := bindPriceOracle(address, backend, backend, backend)
	if err != nil {
		return nil, err
	}
	return &PriceOracle{PriceOracleCaller: PriceOracleCaller{contract: contract}, PriceOracleTransactor: PriceOracleTransactor{contract: contract}, PriceOracleFilterer: PriceOracleFilterer{contract: contract}}, nil
}

// NewPriceOracleCaller creates a new read-only instance of PriceOracle, bound to a specific deployed contract.
func NewPriceOracleCaller(address common.Address, caller bind.ContractCaller) (*PriceOracleCaller, error) {
	contract, err := bindPriceOracle(address, caller, nil, nil)
	if err != nil {
		return nil, err
	}
	return &PriceOracleCaller{contract: contract}, nil
}

// NewPriceOracleTransactor creates a new write-only instance of PriceOracle, bound to a specific deployed contract.
func NewPriceOracleTransactor(address common.Address, transactor bind.ContractTransactor) (*PriceOracleTransactor, error) {
	contract, err := bindPriceOracle(address, nil, transactor, nil)
	if err != nil {
		return nil, err
	}
	return &PriceOracleTransactor{contract: contract}, nil
}

// NewPriceOracleFilterer creates a new log filterer instance of PriceOracle, bound to a specific deployed contract.
func NewPriceOracleFilterer(address common.Address, filterer bind.ContractFilterer) (*PriceOracleFilterer, error) {
	contract, err := bindPriceOracle(address, nil, nil, filterer)
	if err != nil {
		return nil, err
	}
	return &PriceOracleFilterer{contract: contract}, nil
}

// bindPriceOracle binds a generic wrapper to an already deployed contract.
func bindPriceOracle(address common.Address, caller bind.ContractCaller, transactor bind.ContractTransactor, filterer bind.ContractFilterer) (*bind.BoundContract, error) {
	parsed, err := PriceOracleMetaData.GetAbi()
	if err != nil {
		return nil, err
	}
	return bind.NewBoundContract(address, *parsed, caller, transactor, filterer), nil
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_PriceOracle *PriceOracleRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _PriceOracle.Contract.PriceOracleCaller.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_PriceOracle *PriceOracleRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _PriceOracle.Contract.PriceOracleTransactor.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_PriceOracle *PriceOracleRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _PriceOracle.Contract.PriceOracleTransactor.contract.Transact(opts, method, params...)
}

// Call invokes the (constant) contract method with params as input values and
// sets the output to result. The result type might be a single field for simple
// returns, a slice of interfaces for anonymous returns and a struct for named
// returns.
func (_PriceOracle *PriceOracleCallerRaw) Call(opts *bind.CallOpts, result *[]interface{}, method string, params ...interface{}) error {
	return _PriceOracle.Contract.contract.Call(opts, result, method, params...)
}

// Transfer initiates a plain transaction to move funds to the contract, calling
// its default method if one is available.
func (_PriceOracle *PriceOracleTransactorRaw) Transfer(opts *bind.TransactOpts) (*types.Transaction, error) {
	return _PriceOracle.Contract.contract.Transfer(opts)
}

// Transact invokes the (paid) contract method with params as input values.
func (_PriceOracle *PriceOracleTransactorRaw) Transact(opts *bind.TransactOpts, method string, params ...interface{}) (*types.Transaction, error) {
	return _PriceOracle.Contract.contract.Transact(opts, method, params...)
}

// ANSWERTAG is a free data retrieval call binding the contract method 0x79347593.
//
// Solidity: function ANSWER_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) ANSWERTAG(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "ANSWER_TAG")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// ANSWERTAG is a free data retrieval call binding the contract method 0x79347593.
//
// Solidity: function ANSWER_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleSession) ANSWERTAG() ([32]byte, error) {
	return _PriceOracle.Contract.ANSWERTAG(&_PriceOracle.CallOpts)
}

// ANSWERTAG is a free data retrieval call binding the contract method 0x79347593.
//
// Solidity: function ANSWER_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) ANSWERTAG() ([32]byte, error) {
	return _PriceOracle.Contract.ANSWERTAG(&_PriceOracle.CallOpts)
}

// AUTHORIZETAG is a free data retrieval call binding the contract method 0x9595ace7.
//
// Solidity: function AUTHORIZE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) AUTHORIZETAG(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "AUTHORIZE_TAG")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// AUTHORIZETAG is a free data retrieval call binding the contract method 0x9595ace7.
//
// Solidity: function AUTHORIZE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleSession) AUTHORIZETAG() ([32]byte, error) {
	return _PriceOracle.Contract.AUTHORIZETAG(&_PriceOracle.CallOpts)
}

// AUTHORIZETAG is a free data retrieval call binding the contract method 0x9595ace7.
//
// Solidity: function AUTHORIZE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) AUTHORIZETAG() ([32]byte, error) {
	return _PriceOracle.Contract.AUTHORIZETAG(&_PriceOracle.CallOpts)
}

// ROTATETAG is a free data retrieval call binding the contract method 0xa2fcf66f.
//
// Solidity: function ROTATE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) ROTATETAG(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "ROTATE_TAG")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// ROTATETAG is a free data retrieval call binding the contract method 0xa2fcf66f.
//
// Solidity: function ROTATE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleSession) ROTATETAG() ([32]byte, error) {
	return _PriceOracle.Contract.ROTATETAG(&_PriceOracle.CallOpts)
}

// ROTATETAG is a free data retrieval call binding the contract method 0xa2fcf66f.
//
// Solidity: function ROTATE_TAG() view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) ROTATETAG() ([32]byte, error) {
	return _PriceOracle.Contract.ROTATETAG(&_PriceOracle.CallOpts)
}

// Agent is a free data retrieval call binding the contract method 0xf5ff5c76.
//
// Solidity: function agent() view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) Agent(opts *bind.CallOpts) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "agent")

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// Agent is a free data retrieval call binding the contract method 0xf5ff5c76.
//
// Solidity: function agent() view returns(bytes32)
func (_PriceOracle *PriceOracleSession) Agent() ([32]byte, error) {
	return _PriceOracle.Contract.Agent(&_PriceOracle.CallOpts)
}

// Agent is a free data retrieval call binding the contract method 0xf5ff5c76.
//
// Solidity: function agent() view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) Agent() ([32]byte, error) {
	return _PriceOracle.Contract.Agent(&_PriceOracle.CallOpts)
}

// AnswerDigest is a free data retrieval call binding the contract method 0x1a87e3c6.
//
// Solidity: function answerDigest(uint256 id, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) AnswerDigest(opts *bind.CallOpts, id *big.Int, result []byte, relayer common.Address) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "answerDigest", id, result, relayer)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// AnswerDigest is a free data retrieval call binding the contract method 0x1a87e3c6.
//
// Solidity: function answerDigest(uint256 id, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleSession) AnswerDigest(id *big.Int, result []byte, relayer common.Address) ([32]byte, error) {
	return _PriceOracle.Contract.AnswerDigest(&_PriceOracle.CallOpts, id, result, relayer)
}

// AnswerDigest is a free data retrieval call binding the contract method 0x1a87e3c6.
//
// Solidity: function answerDigest(uint256 id, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) AnswerDigest(id *big.Int, result []byte, relayer common.Address) ([32]byte, error) {
	return _PriceOracle.Contract.AnswerDigest(&_PriceOracle.CallOpts, id, result, relayer)
}

// Answers is a free data retrieval call binding the contract method 0x17599cc5.
//
// Solidity: function answers(uint256 ) view returns(bytes)
func (_PriceOracle *PriceOracleCaller) Answers(opts *bind.CallOpts, arg0 *big.Int) ([]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "answers", arg0)

	if err != nil {
		return *new([]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)

	return out0, err

}

// Answers is a free data retrieval call binding the contract method 0x17599cc5.
//
// Solidity: function answers(uint256 ) view returns(bytes)
func (_PriceOracle *PriceOracleSession) Answers(arg0 *big.Int) ([]byte, error) {
	return _PriceOracle.Contract.Answers(&_PriceOracle.CallOpts, arg0)
}

// Answers is a free data retrieval call binding the contract method 0x17599cc5.
//
// Solidity: function answers(uint256 ) view returns(bytes)
func (_PriceOracle *PriceOracleCallerSession) Answers(arg0 *big.Int) ([]byte, error) {
	return _PriceOracle.Contract.Answers(&_PriceOracle.CallOpts, arg0)
}

// AuthorizedAt is a free data retrieval call binding the contract method 0xa6a5d7cf.
//
// Solidity: function authorizedAt(bytes32 , address ) view returns(uint64)
func (_PriceOracle *PriceOracleCaller) AuthorizedAt(opts *bind.CallOpts, arg0 [32]byte, arg1 common.Address) (uint64, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "authorizedAt", arg0, arg1)

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// AuthorizedAt is a free data retrieval call binding the contract method 0xa6a5d7cf.
//
// Solidity: function authorizedAt(bytes32 , address ) view returns(uint64)
func (_PriceOracle *PriceOracleSession) AuthorizedAt(arg0 [32]byte, arg1 common.Address) (uint64, error) {
	return _PriceOracle.Contract.AuthorizedAt(&_PriceOracle.CallOpts, arg0, arg1)
}

// AuthorizedAt is a free data retrieval call binding the contract method 0xa6a5d7cf.
//
// Solidity: function authorizedAt(bytes32 , address ) view returns(uint64)
func (_PriceOracle *PriceOracleCallerSession) AuthorizedAt(arg0 [32]byte, arg1 common.Address) (uint64, error) {
	return _PriceOracle.Contract.AuthorizedAt(&_PriceOracle.CallOpts, arg0, arg1)
}

// Generation is a free data retrieval call binding the contract method 0x17219522.
//
// Solidity: function generation() view returns(uint64)
func (_PriceOracle *PriceOracleCaller) Generation(opts *bind.CallOpts) (uint64, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "generation")

	if err != nil {
		return *new(uint64), err
	}

	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)

	return out0, err

}

// Generation is a free data retrieval call binding the contract method 0x17219522.
//
// Solidity: function generation() view returns(uint64)
func (_PriceOracle *PriceOracleSession) Generation() (uint64, error) {
	return _PriceOracle.Contract.Generation(&_PriceOracle.CallOpts)
}

// Generation is a free data retrieval call binding the contract method 0x17219522.
//
// Solidity: function generation() view returns(uint64)
func (_PriceOracle *PriceOracleCallerSession) Generation() (uint64, error) {
	return _PriceOracle.Contract.Generation(&_PriceOracle.CallOpts)
}

// LastAnswered is a free data retrieval call binding the contract method 0x8245cb9c.
//
// Solidity: function lastAnswered() view returns(uint256)
func (_PriceOracle *PriceOracleCaller) LastAnswered(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "lastAnswered")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// LastAnswered is a free data retrieval call binding the contract method 0x8245cb9c.
//
// Solidity: function lastAnswered() view returns(uint256)
func (_PriceOracle *PriceOracleSession) LastAnswered() (*big.Int, error) {
	return _PriceOracle.Contract.LastAnswered(&_PriceOracle.CallOpts)
}

// LastAnswered is a free data retrieval call binding the contract method 0x8245cb9c.
//
// Solidity: function lastAnswered() view returns(uint256)
func (_PriceOracle *PriceOracleCallerSession) LastAnswered() (*big.Int, error) {
	return _PriceOracle.Contract.LastAnswered(&_PriceOracle.CallOpts)
}

// Latest is a free data retrieval call binding the contract method 0x95305680.
//
// Solidity: function latest(string ) view returns(bytes)
func (_PriceOracle *PriceOracleCaller) Latest(opts *bind.CallOpts, arg0 string) ([]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "latest", arg0)

	if err != nil {
		return *new([]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)

	return out0, err

}

// Latest is a free data retrieval call binding the contract method 0x95305680.
//
// Solidity: function latest(string ) view returns(bytes)
func (_PriceOracle *PriceOracleSession) Latest(arg0 string) ([]byte, error) {
	return _PriceOracle.Contract.Latest(&_PriceOracle.CallOpts, arg0)
}

// Latest is a free data retrieval call binding the contract method 0x95305680.
//
// Solidity: function latest(string ) view returns(bytes)
func (_PriceOracle *PriceOracleCallerSession) Latest(arg0 string) ([]byte, error) {
	return _PriceOracle.Contract.Latest(&_PriceOracle.CallOpts, arg0)
}

// MasterSigner is a free data retrieval call binding the contract method 0x20a3cd01.
//
// Solidity: function masterSigner() view returns(address)
func (_PriceOracle *PriceOracleCaller) MasterSigner(opts *bind.CallOpts) (common.Address, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "masterSigner")

	if err != nil {
		return *new(common.Address), err
	}

	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)

	return out0, err

}

// MasterSigner is a free data retrieval call binding the contract method 0x20a3cd01.
//
// Solidity: function masterSigner() view returns(address)
func (_PriceOracle *PriceOracleSession) MasterSigner() (common.Address, error) {
	return _PriceOracle.Contract.MasterSigner(&_PriceOracle.CallOpts)
}

// MasterSigner is a free data retrieval call binding the contract method 0x20a3cd01.
//
// Solidity: function masterSigner() view returns(address)
func (_PriceOracle *PriceOracleCallerSession) MasterSigner() (common.Address, error) {
	return _PriceOracle.Contract.MasterSigner(&_PriceOracle.CallOpts)
}

// NextRequestId is a free data retrieval call binding the contract method 0x6a84a985.
//
// Solidity: function nextRequestId() view returns(uint256)
func (_PriceOracle *PriceOracleCaller) NextRequestId(opts *bind.CallOpts) (*big.Int, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "nextRequestId")

	if err != nil {
		return *new(*big.Int), err
	}

	out0 := *abi.ConvertType(out[0], new(*big.Int)).(**big.Int)

	return out0, err

}

// NextRequestId is a free data retrieval call binding the contract method 0x6a84a985.
//
// Solidity: function nextRequestId() view returns(uint256)
func (_PriceOracle *PriceOracleSession) NextRequestId() (*big.Int, error) {
	return _PriceOracle.Contract.NextRequestId(&_PriceOracle.CallOpts)
}

// NextRequestId is a free data retrieval call binding the contract method 0x6a84a985.
//
// Solidity: function nextRequestId() view returns(uint256)
func (_PriceOracle *PriceOracleCallerSession) NextRequestId() (*big.Int, error) {
	return _PriceOracle.Contract.NextRequestId(&_PriceOracle.CallOpts)
}

// PairOf is a free data retrieval call binding the contract method 0x1d1c5088.
//
// Solidity: function pairOf(uint256 ) view returns(string)
func (_PriceOracle *PriceOracleCaller) PairOf(opts *bind.CallOpts, arg0 *big.Int) (string, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "pairOf", arg0)

	if err != nil {
		return *new(string), err
	}

	out0 := *abi.ConvertType(out[0], new(string)).(*string)

	return out0, err

}

// PairOf is a free data retrieval call binding the contract method 0x1d1c5088.
//
// Solidity: function pairOf(uint256 ) view returns(string)
func (_PriceOracle *PriceOracleSession) PairOf(arg0 *big.Int) (string, error) {
	return _PriceOracle.Contract.PairOf(&_PriceOracle.CallOpts, arg0)
}

// PairOf is a free data retrieval call binding the contract method 0x1d1c5088.
//
// Solidity: function pairOf(uint256 ) view returns(string)
func (_PriceOracle *PriceOracleCallerSession) PairOf(arg0 *big.Int) (string, error) {
	return _PriceOracle.Contract.PairOf(&_PriceOracle.CallOpts, arg0)
}

// Requests is a free data retrieval call binding the contract method 0x81d12c58.
//
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment)
func (_PriceOracle *PriceOracleCaller) Requests(opts *bind.CallOpts, arg0 *big.Int) (struct {
	Requester common.Address
	Deadline  uint64
	Status    uint8
	Agent     [32]byte
	Payment   *big.Int
}, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "requests", arg0)

	outstruct := new(struct {
		Requester common.Address
		Deadline  uint64
		Status    uint8
		Agent     [32]byte
		Payment   *big.Int
	})
	if err != nil {
		return *outstruct, err
	}

	outstruct.Requester = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Deadline = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	outstruct.Status = *abi.ConvertType(out[2], new(uint8)).(*uint8)
	outstruct.Agent = *abi.ConvertType(out[3], new([32]byte)).(*[32]byte)
	outstruct.Payment = *abi.ConvertType(out[4], new(*big.Int)).(**big.Int)

	return *outstruct, err

}

// Requests is a free data retrieval call binding the contract method 0x81d12c58.
//
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment)
func (_PriceOracle *PriceOracleSession) Requests(arg0 *big.Int) (struct {
	Requester common.Address
	Deadline  uint64
	Status    uint8
	Agent     [32]byte
	Payment   *big.Int
}, error) {
	return _PriceOracle.Contract.Requests(&_PriceOracle.CallOpts, arg0)
}

// Requests is a free data retrieval call binding the contract method 0x81d12c58.
//
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment)
func (_PriceOracle *PriceOracleCallerSession) Requests(arg0 *big.Int) (struct {
	Requester common.Address
	Deadline  uint64
	Status    uint8
	Agent     [32]byte
	Payment   *big.Int
}, error) {
	return _PriceOracle.Contract.Requests(&_PriceOracle.CallOpts, arg0)
}

// Answer is a paid mutator transaction binding the contract method 0x5ca25c14.
//
// Solidity: function answer(uint256 id, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactor) Answer(opts *bind.TransactOpts, id *big.Int, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "answer", id, result, sig)
}

// Answer is a paid mutator transaction binding the contract method 0x5ca25c14.
//
// Solidity: function answer(uint256 id, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleSession) Answer(id *big.Int, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.Answer(&_PriceOracle.TransactOpts, id, result, sig)
}

// Answer is a paid mutator transaction binding the contract method 0x5ca25c14.
//
// Solidity: function answer(uint256 id, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactorSession) Answer(id *big.Int, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.Answer(&_PriceOracle.TransactOpts, id, result, sig)
}

// Ask is a paid mutator transaction binding the contract method 0x5741bb75.
//
// Solidity: function ask(string pair, uint64 blocks) payable returns(uint256 id)
func (_PriceOracle *PriceOracleTransactor) Ask(opts *bind.TransactOpts, pair string, blocks uint64) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "ask", pair, blocks)
}

// Ask is a paid mutator transaction binding the contract method 0x5741bb75.
//
// Solidity: function ask(string pair, uint64 blocks) payable returns(uint256 id)
func (_PriceOracle *PriceOracleSession) Ask(pair string, blocks uint64) (*types.Transaction, error) {
	return _PriceOracle.Contract.Ask(&_PriceOracle.TransactOpts, pair, blocks)
}

// Ask is a paid mutator transaction binding the contract method 0x5741bb75.
//
// Solidity: function ask(string pair, uint64 blocks) payable returns(uint256 id)
func (_PriceOracle *PriceOracleTransactorSession) Ask(pair string, blocks uint64) (*types.Transaction, error) {
	return _PriceOracle.Contract.Ask(&_PriceOracle.TransactOpts, pair, blocks)
}

// AuthorizeKey is a paid mutator transaction binding the contract method 0x8528cc5f.
//
// Solidity: function authorizeKey(bytes32 agent, address key, uint64 gen, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactor) AuthorizeKey(opts *bind.TransactOpts, agent [32]byte, key common.Address, gen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "authorizeKey", agent, key, gen, sig)
}

// AuthorizeKey is a paid mutator transaction binding the contract method 0x8528cc5f.
//
// Solidity: function authorizeKey(bytes32 agent, address key, uint64 gen, bytes sig) returns()
func (_PriceOracle *PriceOracleSession) AuthorizeKey(agent [32]byte, key common.Address, gen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.AuthorizeKey(&_PriceOracle.TransactOpts, agent, key, gen, sig)
}

// AuthorizeKey is a paid mutator transaction binding the contract method 0x8528cc5f.
//
// Solidity: function authorizeKey(bytes32 agent, address key, uint64 gen, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactorSession) AuthorizeKey(agent [32]byte, key common.Address, gen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.AuthorizeKey(&_PriceOracle.TransactOpts, agent, key, gen, sig)
}

// Refund is a paid mutator transaction binding the contract method 0x278ecde1.
//
// Solidity: function refund(uint256 id) returns()
func (_PriceOracle *PriceOracleTransactor) Refund(opts *bind.TransactOpts, id *big.Int) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "refund", id)
}

// Refund is a paid mutator transaction binding the contract method 0x278ecde1.
//
// Solidity: function refund(uint256 id) returns()
func (_PriceOracle *PriceOracleSession) Refund(id *big.Int) (*types.Transaction, error) {
	return _PriceOracle.Contract.Refund(&_PriceOracle.TransactOpts, id)
}

// Refund is a paid mutator transaction binding the contract method 0x278ecde1.
//
// Solidity: function refund(uint256 id) returns()
func (_PriceOracle *PriceOracleTransactorSession) Refund(id *big.Int) (*types.Transaction, error) {
	return _PriceOracle.Contract.Refund(&_PriceOracle.TransactOpts, id)
}

// RotateMaster is a paid mutator transaction binding the contract method 0x3dc07a65.
//
// Solidity: function rotateMaster(address next, uint64 nextGen, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactor) RotateMaster(opts *bind.TransactOpts, next common.Address, nextGen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "rotateMaster", next, nextGen, sig)
}

// RotateMaster is a paid mutator transaction binding the contract method 0x3dc07a65.
//
// Solidity: function rotateMaster(address next, uint64 nextGen, bytes sig) returns()
func (_PriceOracle *PriceOracleSession) RotateMaster(next common.Address, nextGen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.RotateMaster(&_PriceOracle.TransactOpts, next, nextGen, sig)
}

// RotateMaster is a paid mutator transaction binding the contract method 0x3dc07a65.
//
// Solidity: function rotateMaster(address next, uint64 nextGen, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactorSession) RotateMaster(next common.Address, nextGen uint64, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.RotateMaster(&_PriceOracle.TransactOpts, next, nextGen, sig)
}

// PriceOracleAgentAnswerIterator is returned from FilterAgentAnswer and is used to iterate over the raw logs and unpacked data for AgentAnswer events raised by the PriceOracle contract.
type PriceOracleAgentAnswerIterator struct {
	Event *PriceOracleAgentAnswer // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *PriceOracleAgentAnswerIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(PriceOracleAgentAnswer)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(PriceOracleAgentAnswer)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *PriceOracleAgentAnswerIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *PriceOracleAgentAnswerIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// PriceOracleAgentAnswer represents a AgentAnswer event raised by the PriceOracle contract.
type PriceOracleAgentAnswer struct {
	Id      *big.Int
	Agent   [32]byte
	Signer  common.Address
	Relayer common.Address
	Answer  []byte
	Raw     types.Log // Blockchain specific contextual infos
}

// FilterAgentAnswer is a free log retrieval operation binding the contract event 0x2c360fcd24a3061a1b6ec14c410bfbd94e46819e31edbea0764292177deab7d9.
//
// Solidity: event AgentAnswer(uint256 indexed id, bytes32 indexed agent, address signer, address relayer, bytes answer)
func (_PriceOracle *PriceOracleFilterer) FilterAgentAnswer(opts *bind.FilterOpts, id []*big.Int, agent [][32]byte) (*PriceOracleAgentAnswerIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}

	logs, sub, err := _PriceOracle.contract.FilterLogs(opts, "AgentAnswer", idRule, agentRule)
	if err != nil {
		return nil, err
	}
	return &PriceOracleAgentAnswerIterator{contract: _PriceOracle.contract, event: "AgentAnswer", logs: logs, sub: sub}, nil
}

// WatchAgentAnswer is a free log subscription operation binding the contract event 0x2c360fcd24a3061a1b6ec14c410bfbd94e46819e31edbea0764292177deab7d9.
//
// Solidity: event AgentAnswer(uint256 indexed id, bytes32 indexed agent, address signer, address relayer, bytes answer)
func (_PriceOracle *PriceOracleFilterer) WatchAgentAnswer(opts *bind.WatchOpts, sink chan<- *PriceOracleAgentAnswer, id []*big.Int, agent [][32]byte) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}

	logs, sub, err := _PriceOracle.contract.WatchLogs(opts, "AgentAnswer", idRule, agentRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(PriceOracleAgentAnswer)
				if err := _PriceOracle.contract.UnpackLog(event, "AgentAnswer", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseAgentAnswer is a log parse operation binding the contract event 0x2c360fcd24a3061a1b6ec14c410bfbd94e46819e31edbea0764292177deab7d9.
//
// Solidity: event AgentAnswer(uint256 indexed id, bytes32 indexed agent, address signer, address relayer, bytes answer)
func (_PriceOracle *PriceOracleFilterer) ParseAgentAnswer(log types.Log) (*PriceOracleAgentAnswer, error) {
	event := new(PriceOracleAgentAnswer)
	if err := _PriceOracle.contract.UnpackLog(event, "AgentAnswer", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// PriceOracleAgentRefundIterator is returned from FilterAgentRefund and is used to iterate over the raw logs and unpacked data for AgentRefund events raised by the PriceOracle contract.
type PriceOracleAgentRefundIterator struct {
	Event *PriceOracleAgentRefund // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *PriceOracleAgentRefundIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(PriceOracleAgentRefund)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(PriceOracleAgentRefund)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *PriceOracleAgentRefundIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *PriceOracleAgentRefundIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// PriceOracleAgentRefund represents a AgentRefund event raised by the PriceOracle contract.
type PriceOracleAgentRefund struct {
	Id        *big.Int
	Requester common.Address
	Payment   *big.Int
	Raw       types.Log // Blockchain specific contextual infos
}

// FilterAgentRefund is a free log retrieval operation binding the contract event 0x464287d24c175aa92c926603fccc531de3af6ee619c383ff2a646dd1c1cfd6fa.
//
// Solidity: event AgentRefund(uint256 indexed id, address requester, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) FilterAgentRefund(opts *bind.FilterOpts, id []*big.Int) (*PriceOracleAgentRefundIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}

	logs, sub, err := _PriceOracle.contract.FilterLogs(opts, "AgentRefund", idRule)
	if err != nil {
		return nil, err
	}
	return &PriceOracleAgentRefundIterator{contract: _PriceOracle.contract, event: "AgentRefund", logs: logs, sub: sub}, nil
}

// WatchAgentRefund is a free log subscription operation binding the contract event 0x464287d24c175aa92c926603fccc531de3af6ee619c383ff2a646dd1c1cfd6fa.
//
// Solidity: event AgentRefund(uint256 indexed id, address requester, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) WatchAgentRefund(opts *bind.WatchOpts, sink chan<- *PriceOracleAgentRefund, id []*big.Int) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}

	logs, sub, err := _PriceOracle.contract.WatchLogs(opts, "AgentRefund", idRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(PriceOracleAgentRefund)
				if err := _PriceOracle.contract.UnpackLog(event, "AgentRefund", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseAgentRefund is a log parse operation binding the contract event 0x464287d24c175aa92c926603fccc531de3af6ee619c383ff2a646dd1c1cfd6fa.
//
// Solidity: event AgentRefund(uint256 indexed id, address requester, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) ParseAgentRefund(log types.Log) (*PriceOracleAgentRefund, error) {
	event := new(PriceOracleAgentRefund)
	if err := _PriceOracle.contract.UnpackLog(event, "AgentRefund", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// PriceOracleAgentRequestIterator is returned from FilterAgentRequest and is used to iterate over the raw logs and unpacked data for AgentRequest events raised by the PriceOracle contract.
type PriceOracleAgentRequestIterator struct {
	Event *PriceOracleAgentRequest // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *PriceOracleAgentRequestIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(PriceOracleAgentRequest)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(PriceOracleAgentRequest)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *PriceOracleAgentRequestIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *PriceOracleAgentRequestIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// PriceOracleAgentRequest represents a AgentRequest event raised by the PriceOracle contract.
type PriceOracleAgentRequest struct {
	Id        *big.Int
	Agent     [32]byte
	Requester common.Address
	Payload   []byte
	Deadline  uint64
	Payment   *big.Int
	Raw       types.Log // Blockchain specific contextual infos
}

// FilterAgentRequest is a free log retrieval operation binding the contract event 0x4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db.
//
// Solidity: event AgentRequest(uint256 indexed id, bytes32 indexed agent, address indexed requester, bytes payload, uint64 deadline, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) FilterAgentRequest(opts *bind.FilterOpts, id []*big.Int, agent [][32]byte, requester []common.Address) (*PriceOracleAgentRequestIterator, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}
	var requesterRule []interface{}
	for _, requesterItem := range requester {
		requesterRule = append(requesterRule, requesterItem)
	}

	logs, sub, err := _PriceOracle.contract.FilterLogs(opts, "AgentRequest", idRule, agentRule, requesterRule)
	if err != nil {
		return nil, err
	}
	return &PriceOracleAgentRequestIterator{contract: _PriceOracle.contract, event: "AgentRequest", logs: logs, sub: sub}, nil
}

// WatchAgentRequest is a free log subscription operation binding the contract event 0x4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db.
//
// Solidity: event AgentRequest(uint256 indexed id, bytes32 indexed agent, address indexed requester, bytes payload, uint64 deadline, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) WatchAgentRequest(opts *bind.WatchOpts, sink chan<- *PriceOracleAgentRequest, id []*big.Int, agent [][32]byte, requester []common.Address) (event.Subscription, error) {

	var idRule []interface{}
	for _, idItem := range id {
		idRule = append(idRule, idItem)
	}
	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}
	var requesterRule []interface{}
	for _, requesterItem := range requester {
		requesterRule = append(requesterRule, requesterItem)
	}

	logs, sub, err := _PriceOracle.contract.WatchLogs(opts, "AgentRequest", idRule, agentRule, requesterRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(PriceOracleAgentRequest)
				if err := _PriceOracle.contract.UnpackLog(event, "AgentRequest", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseAgentRequest is a log parse operation binding the contract event 0x4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db.
//
// Solidity: event AgentRequest(uint256 indexed id, bytes32 indexed agent, address indexed requester, bytes payload, uint64 deadline, uint256 payment)
func (_PriceOracle *PriceOracleFilterer) ParseAgentRequest(log types.Log) (*PriceOracleAgentRequest, error) {
	event := new(PriceOracleAgentRequest)
	if err := _PriceOracle.contract.UnpackLog(event, "AgentRequest", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// PriceOracleKeyAuthorizedIterator is returned from FilterKeyAuthorized and is used to iterate over the raw logs and unpacked data for KeyAuthorized events raised by the PriceOracle contract.
type PriceOracleKeyAuthorizedIterator struct {
	Event *PriceOracleKeyAuthorized // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *PriceOracleKeyAuthorizedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(PriceOracleKeyAuthorized)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(PriceOracleKeyAuthorized)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *PriceOracleKeyAuthorizedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *PriceOracleKeyAuthorizedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// PriceOracleKeyAuthorized represents a KeyAuthorized event raised by the PriceOracle contract.
type PriceOracleKeyAuthorized struct {
	Agent      [32]byte
	Key        common.Address
	Generation uint64
	Raw        types.Log // Blockchain specific contextual infos
}

// FilterKeyAuthorized is a free log retrieval operation binding the contract event 0x1a8f63c83797605e1e7aa2e0084616a30611c05c2514a551830e0fa9d6a8516d.
//
// Solidity: event KeyAuthorized(bytes32 indexed agent, address key, uint64 generation)
func (_PriceOracle *PriceOracleFilterer) FilterKeyAuthorized(opts *bind.FilterOpts, agent [][32]byte) (*PriceOracleKeyAuthorizedIterator, error) {

	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}

	logs, sub, err := _PriceOracle.contract.FilterLogs(opts, "KeyAuthorized", agentRule)
	if err != nil {
		return nil, err
	}
	return &PriceOracleKeyAuthorizedIterator{contract: _PriceOracle.contract, event: "KeyAuthorized", logs: logs, sub: sub}, nil
}

// WatchKeyAuthorized is a free log subscription operation binding the contract event 0x1a8f63c83797605e1e7aa2e0084616a30611c05c2514a551830e0fa9d6a8516d.
//
// Solidity: event KeyAuthorized(bytes32 indexed agent, address key, uint64 generation)
func (_PriceOracle *PriceOracleFilterer) WatchKeyAuthorized(opts *bind.WatchOpts, sink chan<- *PriceOracleKeyAuthorized, agent [][32]byte) (event.Subscription, error) {

	var agentRule []interface{}
	for _, agentItem := range agent {
		agentRule = append(agentRule, agentItem)
	}

	logs, sub, err := _PriceOracle.contract.WatchLogs(opts, "KeyAuthorized", agentRule)
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(PriceOracleKeyAuthorized)
				if err := _PriceOracle.contract.UnpackLog(event, "KeyAuthorized", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseKeyAuthorized is a log parse operation binding the contract event 0x1a8f63c83797605e1e7aa2e0084616a30611c05c2514a551830e0fa9d6a8516d.
//
// Solidity: event KeyAuthorized(bytes32 indexed agent, address key, uint64 generation)
func (_PriceOracle *PriceOracleFilterer) ParseKeyAuthorized(log types.Log) (*PriceOracleKeyAuthorized, error) {
	event := new(PriceOracleKeyAuthorized)
	if err := _PriceOracle.contract.UnpackLog(event, "KeyAuthorized", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}

// PriceOracleMasterRotatedIterator is returned from FilterMasterRotated and is used to iterate over the raw logs and unpacked data for MasterRotated events raised by the PriceOracle contract.
type PriceOracleMasterRotatedIterator struct {
	Event *PriceOracleMasterRotated // Event containing the contract specifics and raw log

	contract *bind.BoundContract // Generic contract to use for unpacking event data
	event    string              // Event name to use for unpacking event data

	logs chan types.Log        // Log channel receiving the found contract events
	sub  ethereum.Subscription // Subscription for errors, completion and termination
	done bool                  // Whether the subscription completed delivering logs
	fail error                 // Occurred error to stop iteration
}

// Next advances the iterator to the subsequent event, returning whether there
// are any more events found. In case of a retrieval or parsing error, false is
// returned and Error() can be queried for the exact failure.
func (it *PriceOracleMasterRotatedIterator) Next() bool {
	// If the iterator failed, stop iterating
	if it.fail != nil {
		return false
	}
	// If the iterator completed, deliver directly whatever's available
	if it.done {
		select {
		case log := <-it.logs:
			it.Event = new(PriceOracleMasterRotated)
			if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
				it.fail = err
				return false
			}
			it.Event.Raw = log
			return true

		default:
			return false
		}
	}
	// Iterator still in progress, wait for either a data or an error event
	select {
	case log := <-it.logs:
		it.Event = new(PriceOracleMasterRotated)
		if err := it.contract.UnpackLog(it.Event, it.event, log); err != nil {
			it.fail = err
			return false
		}
		it.Event.Raw = log
		return true

	case err := <-it.sub.Err():
		it.done = true
		it.fail = err
		return it.Next()
	}
}

// Error returns any retrieval or parsing error occurred during filtering.
func (it *PriceOracleMasterRotatedIterator) Error() error {
	return it.fail
}

// Close terminates the iteration process, releasing any pending underlying
// resources.
func (it *PriceOracleMasterRotatedIterator) Close() error {
	it.sub.Unsubscribe()
	return nil
}

// PriceOracleMasterRotated represents a MasterRotated event raised by the PriceOracle contract.
type PriceOracleMasterRotated struct {
	Generation uint64
	Signer     common.Address
	Raw        types.Log // Blockchain specific contextual infos
}

// FilterMasterRotated is a free log retrieval operation binding the contract event 0x3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5.
//
// Solidity: event MasterRotated(uint64 generation, address signer)
func (_PriceOracle *PriceOracleFilterer) FilterMasterRotated(opts *bind.FilterOpts) (*PriceOracleMasterRotatedIterator, error) {

	logs, sub, err := _PriceOracle.contract.FilterLogs(opts, "MasterRotated")
	if err != nil {
		return nil, err
	}
	return &PriceOracleMasterRotatedIterator{contract: _PriceOracle.contract, event: "MasterRotated", logs: logs, sub: sub}, nil
}

// WatchMasterRotated is a free log subscription operation binding the contract event 0x3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5.
//
// Solidity: event MasterRotated(uint64 generation, address signer)
func (_PriceOracle *PriceOracleFilterer) WatchMasterRotated(opts *bind.WatchOpts, sink chan<- *PriceOracleMasterRotated) (event.Subscription, error) {

	logs, sub, err := _PriceOracle.contract.WatchLogs(opts, "MasterRotated")
	if err != nil {
		return nil, err
	}
	return event.NewSubscription(func(quit <-chan struct{}) error {
		defer sub.Unsubscribe()
		for {
			select {
			case log := <-logs:
				// New log arrived, parse the event and forward to the user
				event := new(PriceOracleMasterRotated)
				if err := _PriceOracle.contract.UnpackLog(event, "MasterRotated", log); err != nil {
					// If the signature doesn't match, skip this log.
					if errors.Is(err, bind.ErrEventSignatureMismatch) {
						continue
					}
					return err
				}
				event.Raw = log

				select {
				case sink <- event:
				case err := <-sub.Err():
					return err
				case <-quit:
					return nil
				}
			case err := <-sub.Err():
				return err
			case <-quit:
				return nil
			}
		}
	}), nil
}

// ParseMasterRotated is a log parse operation binding the contract event 0x3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5.
//
// Solidity: event MasterRotated(uint64 generation, address signer)
func (_PriceOracle *PriceOracleFilterer) ParseMasterRotated(log types.Log) (*PriceOracleMasterRotated, error) {
	event := new(PriceOracleMasterRotated)
	if err := _PriceOracle.contract.UnpackLog(event, "MasterRotated", log); err != nil {
		return nil, err
	}
	event.Raw = log
	return event, nil
}
