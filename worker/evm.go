package worker

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Routes a gatekeeper serves for EVM anchors (docs/evm.md): what they
// return is signed by the master EVM key inside the enclave and public.
const (
	PathEVMMaster    = "/evm/master/{gen}"
	PathEVMAuthorize = "/evm/authorize"
	PathEVMRotation  = "/evm/rotation"
)

// EVMSignRequest asks a gatekeeper for an authorization (Agent set) or a
// rotation (NextGen set) on one anchor.
type EVMSignRequest struct {
	ChainID uint64         `json:"chain_id"`
	Anchor  common.Address `json:"anchor"`
	Agent   string         `json:"agent,omitempty"`
	NextGen uint64         `json:"next_generation,omitempty"`
}

// EVMSigned is a gatekeeper's answer: the key signed for (the answer key
// of an authorization, the next master of a rotation), its generation and
// the master EVM key's signature.
type EVMSigned struct {
	Key        common.Address `json:"key"`
	Generation uint64         `json:"generation"`
	Sig        hexutil.Bytes  `json:"sig"`
}

func (w *Worker) serveEVMMaster(rw http.ResponseWriter, r *http.Request) {
	gen, err := strconv.ParseUint(r.PathValue("gen"), 10, 64)
	if err != nil {
		writeJSONError(rw, http.StatusBadRequest, "evm master: bad generation: "+err.Error())
		return
	}
	a, err := w.enclave.EVMMasterAddress(gen)
	if err != nil {
		writeJSONError(rw, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(rw, EVMSigned{Key: a, Generation: gen})
}

func (w *Worker) serveEVMAuthorize(rw http.ResponseWriter, r *http.Request) {
	var req EVMSignRequest
	agent, err := readEVMSign(r, &req)
	if err == nil && agent == nil {
		err = fmt.Errorf("evm authorize: no agent")
	}
	if err != nil {
		writeJSONError(rw, http.StatusBadRequest, err.Error())
		return
	}
	a, err := w.enclave.AuthorizeEVMAnswerKey(r.Context(), w.src, new(big.Int).SetUint64(req.ChainID), req.Anchor, [32]byte(agent))
	if err != nil {
		writeJSONError(rw, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(rw, EVMSigned{Key: a.Key, Generation: a.Generation, Sig: a.Sig})
}

func (w *Worker) serveEVMRotation(rw http.ResponseWriter, r *http.Request) {
	var req EVMSignRequest
	if _, err := readEVMSign(r, &req); err != nil {
		writeJSONError(rw, http.StatusBadRequest, err.Error())
		return
	}
	next, sig, err := w.enclave.SignEVMRotation(new(big.Int).SetUint64(req.ChainID), req.Anchor, req.NextGen)
	if err != nil {
		writeJSONError(rw, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeJSON(rw, EVMSigned{Key: next, Generation: req.NextGen, Sig: sig})
}

// readEVMSign decodes a signing request and its agent id, if any.
func readEVMSign(r *http.Request, req *EVMSignRequest) ([]byte, error) {
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<12)).Decode(req); err != nil {
		return nil, fmt.Errorf("evm: request: %w", err)
	}
	if req.ChainID == 0 {
		return nil, fmt.Errorf("evm: no chain id")
	}
	if req.Agent == "" {
		return nil, nil
	}
	agent, err := hex.DecodeString(req.Agent)
	if err != nil || len(agent) != 32 {
		return nil, fmt.Errorf("evm: agent id %q is not 32 hex bytes", req.Agent)
	}
	return agent, nil
}
