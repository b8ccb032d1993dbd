package local

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/phalanetwork/phala/llm"
	"github.com/phalanetwork/phala/llm/chattemplate"
	"github.com/phalanetwork/phala/llm/gguf"
)

// readChatTemplate parses the file's tokenizer.chat_template, if any. A
// template outside the supported Jinja subset does not stop the model
// from loading: prompts then fall back to the plain join (see Prompt), and
// the reason is logged and kept in ChatTemplateErr.
func (t *Tokenizer) readChatTemplate(f *gguf.File) {
	src, ok := f.Text("tokenizer.chat_template")
	if !ok || src == "" {
		return
	}
	tmpl, err := chattemplate.Parse(src)
	if err != nil {
		t.ChatTemplateErr = err
		slog.Warn("local: the model's chat template is not usable; prompts are the messages joined by newlines", "err", err)
		return
	}
	t.ChatTemplate = tmpl
	t.chatTools = strings.Contains(src, "tools")
}

// ChatPrompt turns a conversation into prompt tokens: with the model's
// chat template, the render tokenized as llama.cpp's server does (special
// tokens parsed, BOS added when the vocabulary asks and the template has
// not written it); without one, Prompt's plain join with BOS. A message
// that spells a control token (see plainText), or a template that refuses
// the conversation (raise_exception) or runs past its budgets, is a bad
// request.
func (t *Tokenizer) ChatPrompt(msgs []llm.Message) ([]int, error) {
	return t.chatPrompt(msgs, nil)
}

// templateTakesTools reports whether the chat template renders tools, tool
// calls and tool results itself (it names "tools"); otherwise they are
// written as text (see toolsAsText and toolUse.instruction).
func (t *Tokenizer) templateTakesTools() bool { return t.ChatTemplate != nil && t.chatTools }

// chatPrompt is ChatPrompt with tools, when not nil, given to the
// template as its "tools" variable.
func (t *Tokenizer) chatPrompt(msgs []llm.Message, tools []any) ([]int, error) {
	if t.ChatTemplate == nil {
		return t.Encode(Prompt(msgs), t.AddBOS), nil
	}
	list := make([]any, len(msgs))
	for i, m := range msgs {
		msg, err := t.templateMessage(m)
		if err != nil {
			return nil, fmt.Errorf("%w: message %d: %v", llm.ErrBadRequest, i, err)
		}
		list[i] = msg
	}
	bos, eos := t.specialText(t.BOS), t.specialText(t.EOS)
	vars := map[string]any{"messages": list, "bos_token": bos, "eos_token": eos, "add_generation_prompt": true}
	if tools != nil {
		vars["tools"] = tools
	}
	text, err := t.ChatTemplate.Render(vars, chattemplate.Limits{})
	if err != nil {
		if errors.Is(err, chattemplate.ErrRender) || errors.Is(err, chattemplate.ErrBudget) {
			return nil, fmt.Errorf("%w: the model's chat template: %v", llm.ErrBadRequest, err)
		}
		return nil, err
	}
	if t.AddBOS && bos != "" {
		text = strings.TrimPrefix(text, bos) // the BOS token is added once, below
	}
	return t.Tokenize(text, true, true), nil
}

// templateMessage is a message as the template sees it: role and content,
// and an assistant's tool_calls (arguments decoded, as templates expect
// an object) or a tool result's tool_call_id. Text that spells a control
// token is refused (see plainText).
func (t *Tokenizer) templateMessage(m llm.Message) (*chattemplate.Dict, error) {
	if err := t.plainText(m.Content); err != nil {
		return nil, err
	}
	d := chattemplate.NewDict().Set("role", m.Role).Set("content", m.Content)
	if m.ToolCallID != "" {
		d.Set("tool_call_id", m.ToolCallID)
	}
	if m.Name != "" {
		d.Set("name", m.Name)
	}
	if len(m.ToolCalls) == 0 {
		return d, nil
	}
	calls := make([]any, len(m.ToolCalls))
	for j, tc := range m.ToolCalls {
		if err := t.plainText(tc.Function.Name + " " + unescapedJSON([]byte(tc.Function.Arguments))); err != nil {
			return nil, fmt.Errorf("tool_calls[%d]: %w", j, err)
		}
		var args any = tc.Function.Arguments
		if v, err := chattemplate.FromJSON([]byte(tc.Function.Arguments)); err == nil {
			args = v
		}
		fn := chattemplate.NewDict().Set("name", tc.Function.Name).Set("arguments", args)
		calls[j] = chattemplate.NewDict().Set("id", tc.ID).Set("type", "function").Set("function", fn)
	}
	return d.Set("tool_calls", calls), nil
}

// plainText refuses message text that spells a control token: the
// template's render is tokenized with special tokens parsed (its own
// markers must be), so such text would let a user end their turn and
// write one in another role's name.
func (t *Tokenizer) plainText(s string) error {
	for _, id := range t.special {
		if t.types[id] == TokenControl && strings.Contains(s, t.tokens[id]) {
			return fmt.Errorf("the text contains the special token %q, which only the chat template may write", t.tokens[id])
		}
	}
	return nil
}

// specialText is the text of a special token ("" for none).
func (t *Tokenizer) specialText(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}
