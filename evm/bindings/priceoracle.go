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
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"master\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"gen\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"agentId\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"want\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"got\",\"type\":\"uint64\"}],\"name\":\"BadGeneration\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"BadMasterSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadSignature\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"DeadlinePassed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"NotExpired\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"enumPhalaAnchor.Status\",\"name\":\"status\",\"type\":\"uint8\"}],\"name\":\"NotPending\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"}],\"name\":\"PastDeadline\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"want\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"got\",\"type\":\"bytes32\"}],\"name\":\"PayloadMismatch\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"}],\"name\":\"PaymentFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"UnauthorizedSigner\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"relayer\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"answer\",\"type\":\"bytes\"}],\"name\":\"AgentAnswer\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"}],\"name\":\"AgentRefund\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"bytes\",\"name\":\"payload\",\"type\":\"bytes\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"}],\"name\":\"AgentRequest\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"key\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"generation\",\"type\":\"uint64\"}],\"name\":\"KeyAuthorized\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"generation\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"MasterRotated\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"ANSWER_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"AUTHORIZE_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"ROTATE_TAG\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"agent\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"payloadHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"result\",\"type\":\"bytes\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"answer\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"payloadHash\",\"type\":\"bytes32\"},{\"internalType\":\"bytes\",\"name\":\"result\",\"type\":\"bytes\"},{\"internalType\":\"address\",\"name\":\"relayer\",\"type\":\"address\"}],\"name\":\"answerDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"answers\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"pair\",\"type\":\"string\"},{\"internalType\":\"uint64\",\"name\":\"blocks\",\"type\":\"uint64\"}],\"name\":\"ask\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"stateMutability\":\"payable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"key\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"gen\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"authorizeKey\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"authorizedAt\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"generation\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"lastAnswered\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"name\":\"latest\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"masterSigner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"nextRequestId\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"pairOf\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"id\",\"type\":\"uint256\"}],\"name\":\"refund\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"requests\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"deadline\",\"type\":\"uint64\"},{\"internalType\":\"enumPhalaAnchor.Status\",\"name\":\"status\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"agent\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"payment\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"payloadHash\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"next\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"nextGen\",\"type\":\"uint64\"},{\"internalType\":\"bytes\",\"name\":\"sig\",\"type\":\"bytes\"}],\"name\":\"rotateMaster\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	Bin: "0x60a06040526001600255348015610014575f5ffd5b50604051611af1380380611af18339810160408190526100339161010a565b82826001600160a01b03821661008f5760405162461bcd60e51b815260206004820152601f60248201527f5068616c61416e63686f723a207a65726f206d6173746572207369676e657200604482015260640160405180910390fd5b5f80546001600160a01b0384166001600160e01b03199091168117600160a01b6001600160401b038516908102919091179092556040805192835260208301919091527f3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5910160405180910390a15050608052506101609050565b5f5f5f6060848603121561011c575f5ffd5b83516001600160a01b0381168114610132575f5ffd5b60208501519093506001600160401b038116811461014e575f5ffd5b80925050604084015190509250925092565b60805161197261017f5f395f81816104410152610b6401526119725ff3fe608060405260043610610110575f3560e01c8063793475931161009d5780639595ace7116100625780639595ace71461036c578063a2fcf66f1461039f578063a6a5d7cf146103d2578063e64d705714610411578063f5ff5c7614610430575f5ffd5b8063793475931461026c57806381d12c581461029f5780638245cb9c146103195780638528cc5f1461032e578063953056801461034d575f5ffd5b8063278ecde1116100e3578063278ecde1146101d75780633dc07a65146101f85780633e21c45d146102175780635741bb75146102365780636a84a98514610257575f5ffd5b8063172195221461011457806317599cc5146101565780631d1c50881461018257806320a3cd01146101a1575b5f5ffd5b34801561011f575f5ffd5b505f5461013990600160a01b90046001600160401b031681565b6040516001600160401b0390911681526020015b60405180910390f35b348015610161575f5ffd5b506101756101703660046111cf565b610463565b60405161014d9190611214565b34801561018d575f5ffd5b5061017561019c3660046111cf565b6104fa565b3480156101ac575f5ffd5b505f546101bf906001600160a01b031681565b6040516001600160a01b03909116815260200161014d565b3480156101e2575f5ffd5b506101f66101f13660046111cf565b610512565b005b348015610203575f5ffd5b506101f661021236600461129b565b6106b0565b348015610222575f5ffd5b506101f66102313660046112f7565b61089c565b610249610244366004611377565b610b5e565b60405190815260200161014d565b348015610262575f5ffd5b5061024960025481565b348015610277575f5ffd5b506102497fd5589e84d3c8cbeb63f72db13db6bda21ee9be23420373feda0c42e7521b56ae81565b3480156102aa575f5ffd5b506103076102b93660046111cf565b600360208190525f918252604090912080546001820154600283015492909301546001600160a01b03821693600160a01b83046001600160401b031693600160e01b90930460ff1692909186565b60405161014d969594939291906113fa565b348015610324575f5ffd5b5061024960075481565b348015610339575f5ffd5b506101f6610348366004611443565b610bed565b348015610358575f5ffd5b506101756103673660046114c0565b610d8b565b348015610377575f5ffd5b506102497f0975f164581e53925add7863e0c0c9893a4e9c6b3f7f38699b36070609384c4081565b3480156103aa575f5ffd5b506102497ff043c32db2436221cd1c2dd19f56cfc1c1fdc16e284d4e85e3845d1911535e5d81565b3480156103dd575f5ffd5b506101396103ec366004611570565b600160209081525f92835260408084209091529082529020546001600160401b031681565b34801561041c575f5ffd5b5061024961042b36600461159a565b610daf565b34801561043b575f5ffd5b506102497f000000000000000000000000000000000000000000000000000000000000000081565b60046020525f90815260409020805461047b906115fc565b80601f01602080910402602001604051908101604052809291908181526020018280546104a7906115fc565b80156104f25780601f106104c9576101008083540402835291602001916104f2565b820191905f5260205f20905b8154815290600101906020018083116104d557829003601f168201915b505050505081565b60056020525f90815260409020805461047b906115fc565b5f81815260036020526040902060018154600160e01b900460ff16600381111561053e5761053e6113c6565b146105755780546040516345945c7d60e11b815261056c918491600160e01b90910460ff1690600401611634565b60405180910390fd5b8054600160a01b90046001600160401b031643116105c1578054604051637c683ddf60e01b815260048101849052600160a01b9091046001600160401b0316602482015260440161056c565b8054600360e01b60ff60e01b1982161782556002820154604080516001600160a01b039093168352602083019190915283917f464287d24c175aa92c926603fccc531de3af6ee619c383ff2a646dd1c1cfd6fa910160405180910390a26002810154156106ac57805460028201546040515f926001600160a01b031691908381818185875af1925050503d805f8114610675576040519150601f19603f3d011682016040523d82523d5f602084013e61067a565b606091505b50509050806106aa5781546040516306d133c960e31b81526001600160a01b03909116600482015260240161056c565b505b5050565b5f546001600160401b03600160a01b909104811690841611610716575f546106e990600160a01b90046001600160401b0316600161165c565b60405163129518a560e01b81526001600160401b039182166004820152908416602482015260440161056c565b6001600160a01b03841661076c5760405162461bcd60e51b815260206004820152601f60248201527f5068616c61416e63686f723a207a65726f206d6173746572207369676e657200604482015260640161056c565b604080517ff043c32db2436221cd1c2dd19f56cfc1c1fdc16e284d4e85e3845d1911535e5d602082015246918101919091523060608201526001600160a01b03851660808201526001600160401b03841660a08201525f9060c0016040516020818303038152906040528051906020012090505f6107eb828585610e22565b5f549091506001600160a01b0380831691161461082657604051630ad2ba0d60e01b81526001600160a01b038216600482015260240161056c565b5f80546001600160a01b0388166001600160e01b03199091168117600160a01b6001600160401b038916908102919091179092556040805192835260208301919091527f3d9cd2d634773f2c7194c516ea0e9018b837afc4bd93b101412aa59488db19a5910160405180910390a1505050505050565b5f86815260036020526040902060018154600160e01b900460ff1660038111156108c8576108c86113c6565b146108f65780546040516345945c7d60e11b815261056c918991600160e01b90910460ff1690600401611634565b8054600160a01b90046001600160401b0316431115610943578054604051639dc6e7db60e01b815260048101899052600160a01b9091046001600160401b0316602482015260440161056c565b8060030154861461097e5760038101546040516307c58d8760e31b81526004810189905260248101919091526044810187905260640161056c565b5f7fd5589e84d3c8cbeb63f72db13db6bda21ee9be23420373feda0c42e7521b56ae46308a8a8a8a6040516109b4929190611681565b6040519081900381206109d09695949392913390602001611690565b6040516020818303038152906040528051906020012090505f6109f4828686610e22565b5f54909150610a1490600160a01b90046001600160401b0316600161165c565b6001848101545f908152602091825260408082206001600160a01b038616835290925220546001600160401b03908116911614610a7c5760018301546040516305a110d960e41b815260048101919091526001600160a01b038216602482015260440161056c565b825460ff60e01b1916600160e11b178355600283015460018401546040518b907f2c360fcd24a3061a1b6ec14c410bfbd94e46819e31edbea0764292177deab7d990610acf90869033908e908e906116c9565b60405180910390a3610ae28a8989611003565b8015610b52576040515f90339083908381818185875af1925050503d805f8114610b27576040519150601f19603f3d011682016040523d82523d5f602084013e610b2c565b606091505b5050905080610b50576040516306d133c960e31b815233600482015260240161056c565b505b50505050505050505050565b5f610bca7f000000000000000000000000000000000000000000000000000000000000000085858080601f0160208091040260200160405190810160405280939291908181526020018383808284375f92019190915250610bc5925087915043905061165c565b611061565b5f818152600560205260409020909150610be584868361175c565b509392505050565b5f546001600160401b03848116600160a01b9092041614610c3e575f5460405163129518a560e01b8152600160a01b9091046001600160401b0390811660048301528416602482015260440161056c565b604080517f0975f164581e53925add7863e0c0c9893a4e9c6b3f7f38699b36070609384c4060208201524691810191909152306060820152608081018690526001600160a01b03851660a08201526001600160401b03841660c08201525f9060e0016040516020818303038152906040528051906020012090505f610cc4828585610e22565b5f549091506001600160a01b03808316911614610cff57604051630ad2ba0d60e01b81526001600160a01b038216600482015260240161056c565b610d0a85600161165c565b5f8881526001602090815260408083206001600160a01b038b1680855290835292819020805467ffffffffffffffff19166001600160401b0395861617905580519283529288169082015288917f1a8f63c83797605e1e7aa2e0084616a30611c05c2514a551830e0fa9d6a8516d910160405180910390a250505050505050565b80516020818301810180516006825292820191909301209152805461047b906115fc565b5f7fd5589e84d3c8cbeb63f72db13db6bda21ee9be23420373feda0c42e7521b56ae463088888888604051610de5929190611681565b604051908190038120610e019695949392918990602001611690565b60405160208183030381529060405280519060200120905095945050505050565b5f60418214610e4457604051635cd5d23360e01b815260040160405180910390fd5b5f610e526020828587611815565b610e5b9161183c565b90505f610e6c604060208688611815565b610e759161183c565b90505f85856040818110610e8b57610e8b611859565b919091013560f81c915050601b811015610ead57610eaa601b8261186d565b90505b7f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0821115610eee57604051635cd5d23360e01b815260040160405180910390fd5b8060ff16601b14158015610f0657508060ff16601c14155b15610f2457604051635cd5d23360e01b815260040160405180910390fd5b6040517f19457468657265756d205369676e6564204d6573736167653a0a3332000000006020820152603c81018890525f90605c0160408051601f1981840301815282825280516020918201205f80855291840180845281905260ff86169284019290925260608301879052608083018690529092509060019060a0016020604051602081039080840390855afa158015610fc1573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b038116610ff557604051635cd5d23360e01b815260040160405180910390fd5b9450505050505b9392505050565b5f83815260046020526040902061101b82848361175c565b508181600660055f8781526020019081526020015f2060405161103e9190611886565b9081526020016040518091039020918261105992919061175c565b505050600755565b5f43826001600160401b03161161109657604051636768091360e01b81526001600160401b038316600482015260240161056c565b60028054905f6110a5836118f7565b909155506040805160c0810182523381526001600160401b03851660208201529192508101600181526020808201879052346040808401919091528651878301206060909301929092525f84815260038083529083902084518154938601516001600160401b0316600160a01b026001600160e01b03199094166001600160a01b039091161792909217808355928401519192839160ff60e01b1990911690600160e01b90849081111561115b5761115b6113c6565b0217905550606082015181600101556080820151816002015560a08201518160030155905050336001600160a01b031684827f4126fc291551241213baf9427b20f01a3fc46f0f56b63bb2886e06bdcba4a7db8686346040516111c09392919061190f565b60405180910390a49392505050565b5f602082840312156111df575f5ffd5b5035919050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f610ffc60208301846111e6565b80356001600160a01b038116811461123c575f5ffd5b919050565b80356001600160401b038116811461123c575f5ffd5b5f5f83601f840112611267575f5ffd5b5081356001600160401b0381111561127d575f5ffd5b602083019150836020828501011115611294575f5ffd5b9250929050565b5f5f5f5f606085870312156112ae575f5ffd5b6112b785611226565b93506112c560208601611241565b925060408501356001600160401b038111156112df575f5ffd5b6112eb87828801611257565b95989497509550505050565b5f5f5f5f5f5f6080878903121561130c575f5ffd5b863595506020870135945060408701356001600160401b0381111561132f575f5ffd5b61133b89828a01611257565b90955093505060608701356001600160401b03811115611359575f5ffd5b61136589828a01611257565b979a9699509497509295939492505050565b5f5f5f60408486031215611389575f5ffd5b83356001600160401b0381111561139e575f5ffd5b6113aa86828701611257565b90945092506113bd905060208501611241565b90509250925092565b634e487b7160e01b5f52602160045260245ffd5b600481106113f657634e487b7160e01b5f52602160045260245ffd5b9052565b6001600160a01b03871681526001600160401b038616602082015260c0810161142660408301876113da565b8460608301528360808301528260a0830152979650505050505050565b5f5f5f5f5f60808688031215611457575f5ffd5b8535945061146760208701611226565b935061147560408701611241565b925060608601356001600160401b0381111561148f575f5ffd5b61149b88828901611257565b969995985093965092949392505050565b634e487b7160e01b5f52604160045260245ffd5b5f602082840312156114d0575f5ffd5b81356001600160401b038111156114e5575f5ffd5b8201601f810184136114f5575f5ffd5b80356001600160401b0381111561150e5761150e6114ac565b604051601f8201601f19908116603f011681016001600160401b038111828210171561153c5761153c6114ac565b604052818152828201602001861015611553575f5ffd5b816020840160208301375f91810160200191909152949350505050565b5f5f60408385031215611581575f5ffd5b8235915061159160208401611226565b90509250929050565b5f5f5f5f5f608086880312156115ae575f5ffd5b853594506020860135935060408601356001600160401b038111156115d1575f5ffd5b6115dd88828901611257565b90945092506115f0905060608701611226565b90509295509295909350565b600181811c9082168061161057607f821691505b60208210810361162e57634e487b7160e01b5f52602260045260245ffd5b50919050565b82815260408101610ffc60208301846113da565b634e487b7160e01b5f52601160045260245ffd5b6001600160401b03818116838216019081111561167b5761167b611648565b92915050565b818382375f9101908152919050565b96875260208701959095526001600160a01b0393841660408701526060860192909252608085015260a08401521660c082015260e00190565b6001600160a01b038581168252841660208201526060604082018190528101829052818360808301375f818301608090810191909152601f909201601f191601019392505050565b601f8211156106aa57805f5260205f20601f840160051c810160208510156117365750805b601f840160051c820191505b81811015611755575f8155600101611742565b5050505050565b6001600160401b03831115611773576117736114ac565b6117878361178183546115fc565b83611711565b5f601f8411600181146117b8575f85156117a15750838201355b5f19600387901b1c1916600186901b178355611755565b5f83815260208120601f198716915b828110156117e757868501358255602094850194600190920191016117c7565b5086821015611803575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b5f5f85851115611823575f5ffd5b8386111561182f575f5ffd5b5050820193919092039150565b8035602083101561167b575f19602084900360031b1b1692915050565b634e487b7160e01b5f52603260045260245ffd5b60ff818116838216019081111561167b5761167b611648565b5f5f8354611893816115fc565b6001821680156118aa57600181146118bf576118ec565b60ff19831686528115158202860193506118ec565b865f5260205f205f5b838110156118e4578154888201526001909101906020016118c8565b505081860193505b509195945050505050565b5f6001820161190857611908611648565b5060010190565b606081525f61192160608301866111e6565b6001600160401b03949094166020830152506040015291905056fea26469706673582212203fc05fc4e038d0cdd0033a7c12ea2f1730e6ca97fa6610bfa418f25749b9696364736f6c634300081c0033",
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

// AnswerDigest is a free data retrieval call binding the contract method 0xe64d7057.
//
// Solidity: function answerDigest(uint256 id, bytes32 payloadHash, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleCaller) AnswerDigest(opts *bind.CallOpts, id *big.Int, payloadHash [32]byte, result []byte, relayer common.Address) ([32]byte, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "answerDigest", id, payloadHash, result, relayer)

	if err != nil {
		return *new([32]byte), err
	}

	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)

	return out0, err

}

// AnswerDigest is a free data retrieval call binding the contract method 0xe64d7057.
//
// Solidity: function answerDigest(uint256 id, bytes32 payloadHash, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleSession) AnswerDigest(id *big.Int, payloadHash [32]byte, result []byte, relayer common.Address) ([32]byte, error) {
	return _PriceOracle.Contract.AnswerDigest(&_PriceOracle.CallOpts, id, payloadHash, result, relayer)
}

// AnswerDigest is a free data retrieval call binding the contract method 0xe64d7057.
//
// Solidity: function answerDigest(uint256 id, bytes32 payloadHash, bytes result, address relayer) view returns(bytes32)
func (_PriceOracle *PriceOracleCallerSession) AnswerDigest(id *big.Int, payloadHash [32]byte, result []byte, relayer common.Address) ([32]byte, error) {
	return _PriceOracle.Contract.AnswerDigest(&_PriceOracle.CallOpts, id, payloadHash, result, relayer)
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
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment, bytes32 payloadHash)
func (_PriceOracle *PriceOracleCaller) Requests(opts *bind.CallOpts, arg0 *big.Int) (struct {
	Requester   common.Address
	Deadline    uint64
	Status      uint8
	Agent       [32]byte
	Payment     *big.Int
	PayloadHash [32]byte
}, error) {
	var out []interface{}
	err := _PriceOracle.contract.Call(opts, &out, "requests", arg0)

	outstruct := new(struct {
		Requester   common.Address
		Deadline    uint64
		Status      uint8
		Agent       [32]byte
		Payment     *big.Int
		PayloadHash [32]byte
	})
	if err != nil {
		return *outstruct, err
	}

	outstruct.Requester = *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	outstruct.Deadline = *abi.ConvertType(out[1], new(uint64)).(*uint64)
	outstruct.Status = *abi.ConvertType(out[2], new(uint8)).(*uint8)
	outstruct.Agent = *abi.ConvertType(out[3], new([32]byte)).(*[32]byte)
	outstruct.Payment = *abi.ConvertType(out[4], new(*big.Int)).(**big.Int)
	outstruct.PayloadHash = *abi.ConvertType(out[5], new([32]byte)).(*[32]byte)

	return *outstruct, err

}

// Requests is a free data retrieval call binding the contract method 0x81d12c58.
//
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment, bytes32 payloadHash)
func (_PriceOracle *PriceOracleSession) Requests(arg0 *big.Int) (struct {
	Requester   common.Address
	Deadline    uint64
	Status      uint8
	Agent       [32]byte
	Payment     *big.Int
	PayloadHash [32]byte
}, error) {
	return _PriceOracle.Contract.Requests(&_PriceOracle.CallOpts, arg0)
}

// Requests is a free data retrieval call binding the contract method 0x81d12c58.
//
// Solidity: function requests(uint256 ) view returns(address requester, uint64 deadline, uint8 status, bytes32 agent, uint256 payment, bytes32 payloadHash)
func (_PriceOracle *PriceOracleCallerSession) Requests(arg0 *big.Int) (struct {
	Requester   common.Address
	Deadline    uint64
	Status      uint8
	Agent       [32]byte
	Payment     *big.Int
	PayloadHash [32]byte
}, error) {
	return _PriceOracle.Contract.Requests(&_PriceOracle.CallOpts, arg0)
}

// Answer is a paid mutator transaction binding the contract method 0x3e21c45d.
//
// Solidity: function answer(uint256 id, bytes32 payloadHash, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactor) Answer(opts *bind.TransactOpts, id *big.Int, payloadHash [32]byte, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.contract.Transact(opts, "answer", id, payloadHash, result, sig)
}

// Answer is a paid mutator transaction binding the contract method 0x3e21c45d.
//
// Solidity: function answer(uint256 id, bytes32 payloadHash, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleSession) Answer(id *big.Int, payloadHash [32]byte, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.Answer(&_PriceOracle.TransactOpts, id, payloadHash, result, sig)
}

// Answer is a paid mutator transaction binding the contract method 0x3e21c45d.
//
// Solidity: function answer(uint256 id, bytes32 payloadHash, bytes result, bytes sig) returns()
func (_PriceOracle *PriceOracleTransactorSession) Answer(id *big.Int, payloadHash [32]byte, result []byte, sig []byte) (*types.Transaction, error) {
	return _PriceOracle.Contract.Answer(&_PriceOracle.TransactOpts, id, payloadHash, result, sig)
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
