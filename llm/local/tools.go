package local

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/chattemplate"
	"github.com/phalanetwork/phala/llm/grammar"
)

// toolUse is how a completion offers its tools, after llama.cpp's generic
// tool-call format: the answer is constrained to a JSON object, either
// {"response": "..."} (plain content; tool_choice "auto" only) or
// {"tool_call": {"name": ..., "arguments": {...}}} with the arguments
// matching that tool's parameters schema ({"tool_calls": [...]}, at most
// maxParallelCalls, with parallel_tool_calls), so that a call always parses and validates.
type toolUse struct {
	tools    []llm.Tool // those that may be called
	auto     bool       // the model may answer instead of calling
	parallel bool       // several calls in one answer
	grammar  *grammar.Grammar
}

// maxParallelCalls bounds the calls of one answer with parallel_tool_calls.
const maxParallelCalls = 4

// toolUseOf reads req's tools, tool_choice and parallel_tool_calls: nil
// when no tool may be called (no tools, or tool_choice "none"). A
// parameters schema the grammar compiler cannot express is a bad request
// naming the tool and the construct.
func toolUseOf(req llm.ChatRequest) (*toolUse, error) {
	if len(req.Tools) == 0 {
		return nil, nil
	}
	u := &toolUse{tools: req.Tools, auto: true, parallel: req.ParallelToolCalls != nil && *req.ParallelToolCalls}
	seen := map[string]bool{}
	for i, t := range req.Tools {
		if t.Type != "function" || t.Function.Name == "" || seen[t.Function.Name] {
			return nil, fmt.Errorf("%w: tools[%d] must be a function with a name of its own", llm.ErrBadRequest, i)
		}
		seen[t.Function.Name] = true
		if _, _, err := grammar.FromJSONSchema(parametersOf(t)); err != nil {
			return nil, fmt.Errorf("%w: tools[%d].function.parameters (%s): %v", llm.ErrBadRequest, i, t.Function.Name, err)
		}
	}
	none, err := u.choose(req.ToolChoice)
	if err != nil || none {
		return nil, err
	}
	if u.grammar, _, err = grammar.FromJSONSchema([]byte(u.schema())); err != nil {
		return nil, fmt.Errorf("%w: tools: %v", llm.ErrBadRequest, err)
	}
	return u, nil
}

// choose applies tool_choice: "auto" (the default), "none" (reported),
// "required", or {"type":"function","function":{"name":...}}, which
// requires a call of that tool.
func (u *toolUse) choose(raw json.RawMessage) (none bool, err error) {
	if len(raw) == 0 {
		return false, nil
	}
	var mode string
	if json.Unmarshal(raw, &mode) == nil {
		switch mode {
		case "auto":
			return false, nil
		case "none":
			return true, nil
		case "required":
			u.auto = false
			return false, nil
		}
		return false, fmt.Errorf("%w: tool_choice %q must be none, auto, required or a function", llm.ErrBadRequest, mode)
	}
	var named struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &named); err != nil || named.Type != "function" {
		return false, fmt.Errorf("%w: tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\":...}}", llm.ErrBadRequest)
	}
	for _, t := range u.tools {
		if t.Function.Name == named.Function.Name {
			u.tools, u.auto = []llm.Tool{t}, false
			return false, nil
		}
	}
	return false, fmt.Errorf("%w: tool_choice names function %q, which is not in tools", llm.ErrBadRequest, named.Function.Name)
}

// parametersOf is a tool's parameters schema; a tool without one takes
// an empty object.
func parametersOf(t llm.Tool) []byte {
	if len(bytes.TrimSpace(t.Function.Parameters)) == 0 || string(bytes.TrimSpace(t.Function.Parameters)) == "null" {
		return []byte(`{"type": "object", "properties": {}}`)
	}
	return t.Function.Parameters
}

// schema is the JSON schema of the answers u allows.
func (u *toolUse) schema() string {
	calls := make([]string, len(u.tools))
	for i, t := range u.tools {
		name, _ := json.Marshal(t.Function.Name)
		calls[i] = `{"type": "object", "properties": {"name": {"const": ` + string(name) + `}, "arguments": ` +
			string(parametersOf(t)) + `}, "required": ["name", "arguments"]}`
	}
	call := `{"anyOf": [` + strings.Join(calls, ", ") + `]}`
	key := "tool_call"
	if u.parallel {
		key, call = "tool_calls", `{"type": "array", "items": `+call+`, "minItems": 1, "maxItems": `+strconv.Itoa(maxParallelCalls)+`}`
	}
	wrapped := `{"type": "object", "properties": {"` + key + `": ` + call + `}, "required": ["` + key + `"]}`
	if !u.auto {
		return wrapped
	}
	return `{"anyOf": [` + wrapped + `, {"type": "object", "properties": {"response": {"type": "string"}}, "required": ["response"]}]}`
}

// instruction is the system prompt text that asks for u's format; listed
// adds the tools themselves, for a chat template that does not render them.
func (u *toolUse) instruction(listed bool) string {
	var b strings.Builder
	if listed {
		fns := make([]llm.FunctionDecl, len(u.tools))
		for i, t := range u.tools {
			fns[i] = t.Function
		}
		list, _ := json.Marshal(fns)
		b.WriteString("Tools: " + string(list) + "\n")
	}
	key := "`tool_call` (a request to call a tool)"
	if u.parallel {
		key = "`tool_calls` (a list of requests to call tools)"
	}
	if u.auto {
		b.WriteString("Respond in JSON format, either with " + key + " or with `response` (your reply to the user).")
	} else {
		b.WriteString("Respond in JSON format with " + key + ".")
	}
	return b.String()
}

// templateTools are the tools as a chat template's "tools" variable;
// check refuses text that spells a control token (Tokenizer.plainText).
func (u *toolUse) templateTools(check func(string) error) ([]any, error) {
	list := make([]any, len(u.tools))
	for i, t := range u.tools {
		raw, err := json.Marshal(t)
		if err == nil {
			err = check(unescapedJSON(raw))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: tools[%d]: %v", llm.ErrBadRequest, i, err)
		}
		if list[i], err = chattemplate.FromJSON(raw); err != nil {
			return nil, fmt.Errorf("%w: tools[%d]: %v", llm.ErrBadRequest, i, err)
		}
	}
	return list, nil
}

// unescapedJSON is raw JSON re-encoded with its strings' characters
// written as themselves (no \u escapes but the ones JSON requires), as a
// template's tojson writes them, so that a control token spelled with
// escapes is seen; invalid JSON is returned as it is.
func unescapedJSON(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return string(raw)
	}
	return b.String()
}

// withInstruction puts text at the end of the conversation's system
// message, or in a new one before the others.
func withInstruction(msgs []llm.Message, text string) []llm.Message {
	out := append([]llm.Message(nil), msgs...)
	if len(out) > 0 && out[0].Role == "system" {
		out[0].Content += "\n\n" + text
		out[0].Parts = nil
		return out
	}
	return append([]llm.Message{{Role: "system", Content: text}}, out...)
}

// toolsAsText rewrites earlier tool calls and tool results as text in the
// generic format, for a chat template (or the plain join) that does not
// render them: an assistant's calls become its {"tool_call": ...} JSON, a
// tool result a user message {"tool_response": ...}.
func toolsAsText(msgs []llm.Message) []llm.Message {
	out := make([]llm.Message, len(msgs))
	for i, m := range msgs {
		out[i] = llm.Message{Role: m.Role, Content: m.Content, Name: m.Name}
		switch {
		case len(m.ToolCalls) > 0:
			var b strings.Builder
			b.WriteString(m.Content)
			for _, tc := range m.ToolCalls {
				args := json.RawMessage(tc.Function.Arguments)
				if !json.Valid(args) {
					args, _ = json.Marshal(tc.Function.Arguments)
				}
				call, _ := json.Marshal(map[string]any{"tool_call": map[string]any{"name": tc.Function.Name, "arguments": args}})
				if b.Len() > 0 {
					b.WriteString("\n")
				}
				b.Write(call)
			}
			out[i].Content = b.String()
		case m.Role == "tool":
			resp, _ := json.Marshal(map[string]any{"tool_response": map[string]any{"tool_call_id": m.ToolCallID, "content": m.Content}})
			out[i] = llm.Message{Role: "user", Content: string(resp)}
		}
	}
	return out
}

// generatedCall is one call as the grammar lets the model write it.
type generatedCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// answer turns a finished tool-format completion into the choice's
// message: calls become tool_calls (finish reason "tool_calls"), a
// response its content; each is then streamed to onDelta (nil: none). A
// completion cut short (max_tokens, the context) is left as its text.
func (u *toolUse) answer(c *llm.Choice, onDelta func(llm.Delta) error) error {
	var doc struct {
		Response  *string         `json:"response"`
		ToolCall  *generatedCall  `json:"tool_call"`
		ToolCalls []generatedCall `json:"tool_calls"`
	}
	if json.Unmarshal([]byte(c.Message.Content), &doc) != nil {
		return u.stream(c, onDelta)
	}
	calls := doc.ToolCalls
	if doc.ToolCall != nil {
		calls = append(calls, *doc.ToolCall)
	}
	c.Message.Content = ""
	if doc.Response != nil {
		c.Message.Content = *doc.Response
	}
	for _, gc := range calls {
		var args bytes.Buffer
		if err := json.Compact(&args, gc.Arguments); err != nil {
			return fmt.Errorf("local: the tool call's arguments: %w", err)
		}
		c.Message.ToolCalls = append(c.Message.ToolCalls, llm.ToolCall{ID: newCallID(), Type: "function",
			Function: llm.FunctionCall{Name: gc.Name, Arguments: args.String()}})
	}
	if len(calls) > 0 {
		c.FinishReason = "tool_calls"
	}
	return u.stream(c, onDelta)
}

// stream sends a choice's content, then each tool call as a delta with
// its id and name followed by one with its arguments.
func (u *toolUse) stream(c *llm.Choice, onDelta func(llm.Delta) error) error {
	if onDelta == nil {
		return nil
	}
	if c.Message.Content != "" {
		if err := onDelta(llm.Delta{Content: c.Message.Content}); err != nil {
			return err
		}
	}
	for j, tc := range c.Message.ToolCalls {
		head := llm.ToolCallDelta{Index: j, ID: tc.ID, Type: "function", Name: tc.Function.Name}
		if err := onDelta(llm.Delta{ToolCalls: []llm.ToolCallDelta{head}}); err != nil {
			return err
		}
		if err := onDelta(llm.Delta{ToolCalls: []llm.ToolCallDelta{{Index: j, Arguments: tc.Function.Arguments}}}); err != nil {
			return err
		}
	}
	return nil
}

// newCallID is a fresh tool call id, "call_" and 24 hex digits.
func newCallID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "call_" + hex.EncodeToString(b)
}
