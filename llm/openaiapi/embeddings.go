package openaiapi

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/phalanetwork/phala/llm"
)

// embedRequest is the body of POST /v1/embeddings.
type embedRequest struct {
	Model          string     `json:"model"`
	Input          inputTexts `json:"input"`
	EncodingFormat string     `json:"encoding_format"`
	Dimensions     *int       `json:"dimensions"`
	User           string     `json:"user"`
}

// inputTexts is "input": a string or an array of strings. Token arrays
// are refused: providers here take text.
type inputTexts []string

func (in *inputTexts) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*in = inputTexts{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("input must be a string or an array of strings (token arrays are not supported)")
	}
	*in = many
	return nil
}

type embedding struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string
}

// embeddings answers POST /v1/embeddings.
func (h *Handler) embeddings(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readRequest(w, r)
	if !ok {
		return
	}
	var er embedRequest
	err := decodeStrict(body, &er, jsonNames(embedRequest{}), nil)
	switch {
	case err != nil:
	case er.Model == "":
		err = errors.New("model is required (models are named provider/model)")
	case er.EncodingFormat != "" && er.EncodingFormat != "float" && er.EncodingFormat != "base64":
		err = fmt.Errorf("encoding_format %q must be float or base64", er.EncodingFormat)
	}
	if err != nil {
		h.badRequest(w, body, err)
		return
	}
	req := llm.EmbedRequest{Model: er.Model, Input: er.Input, User: er.User}
	if er.Dimensions != nil {
		req.Dimensions = *er.Dimensions
		if req.Dimensions < 1 {
			h.badRequest(w, body, errors.New("dimensions must be at least 1"))
			return
		}
	}
	id := "embd-" + newID()[len("chatcmpl-"):]
	resp, err := h.backend.Embed(r.Context(), h.caller(r), req)
	if err != nil {
		h.fail(w, body, err, id)
		return
	}
	data := make([]embedding, len(resp.Embeddings))
	for i, v := range resp.Embeddings {
		data[i] = embedding{Object: "embedding", Index: i, Embedding: v}
		if er.EncodingFormat == "base64" {
			data[i].Embedding = base64Floats(v)
		}
	}
	out, _ := json.Marshal(struct {
		Object string      `json:"object"`
		Data   []embedding `json:"data"`
		Model  string      `json:"model"`
		Usage  usage       `json:"usage"`
	}{"list", data, resp.Model, h.usage(resp.Usage)})
	h.finish(w, body, http.StatusOK, out, nil, id, resp.Model)
}

// base64Floats is OpenAI's base64 encoding: little-endian float32s.
func base64Floats(v []float32) string {
	buf := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(buf)
}
