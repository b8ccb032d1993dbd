package bindings

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// ErrRefused marks an error the anchor's custom error explains.
var ErrRefused = errors.New("anchor refused")

// Refusal names the anchor's custom error behind err (a reverted call or
// gas estimate), as "Name(arg, ...)"; "" when err is not such a revert.
func Refusal(err error) string {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return ""
	}
	s, _ := de.ErrorData().(string)
	data, derr := hexutil.Decode(s)
	if derr != nil || len(data) < 4 {
		return ""
	}
	parsed, perr := abi.JSON(strings.NewReader(PriceOracleMetaData.ABI))
	if perr != nil {
		return ""
	}
	for name, e := range parsed.Errors {
		if [4]byte(e.ID[:4]) != [4]byte(data[:4]) {
			continue
		}
		args, err := e.Inputs.Unpack(data[4:])
		if err != nil {
			return name
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = fmt.Sprint(a)
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	return ""
}

// Explain wraps err with ErrRefused and the anchor's custom error when it
// is a revert the anchor explains; other errors come back as they are.
func Explain(err error) error {
	if r := Refusal(err); r != "" {
		return fmt.Errorf("%w: %s: %w", ErrRefused, r, err)
	}
	return err
}
