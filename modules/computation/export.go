package computation

// DecodeSession reads a session record as stored under OnlineKey or
// SessionKey, for workers that follow their own session with proofs.
func DecodeSession(b []byte) (Session, error) { return decodeSession(b) }

// ParamsKey is the state key of the parameters (JSON Params), for proofs.
func ParamsKey() []byte { return append([]byte(nil), keyParams...) }
