package state

import (
	"encoding/json"
	"fmt"
)

// EncodeJSON encodes a state record. Records are fixed structs that always
// encode, so a failure is a programming error and panics.
func EncodeJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("state: encode %T: %v", v, err))
	}
	return b
}

// DecodeJSON decodes a state record into v; nil (no record) leaves v as
// it is. The state machine wrote every record, so one that does not decode
// means the store is damaged: it panics with *StorageError, which halts the
// node instead of letting it take another branch. what names the record
// in the error.
func DecodeJSON(raw []byte, v any, what string) {
	if raw == nil {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		panic(&StorageError{Err: fmt.Errorf("%s: %w", what, err)})
	}
}
