package llm_test

import (
	"encoding/json"
	"testing"

	"github.com/phalanetwork/phala/llm"
)

func TestMessageJSON(t *testing.T) {
	tests := []struct {
		name, in, content, out string
		parts                  int
		wantErr                bool
	}{
		{name: "string", in: `{"role":"user","content":"hi"}`, content: "hi", out: `{"role":"user","content":"hi"}`},
		{name: "null with tool calls", in: `{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}`,
			out: `{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}],"content":null}`},
		{name: "tool result", in: `{"role":"tool","tool_call_id":"c1","content":"42"}`, content: "42", out: `{"role":"tool","tool_call_id":"c1","content":"42"}`},
		{name: "parts", in: `{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"http://x"}},{"type":"text","text":"b"}]}`,
			content: "a\nb", parts: 3, out: `{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"http://x"}},{"type":"text","text":"b"}]}`},
		{name: "number", in: `{"role":"user","content":3}`, wantErr: true},
		{name: "part without type", in: `{"role":"user","content":[{"text":"a"}]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m llm.Message
			err := json.Unmarshal([]byte(tt.in), &m)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decoded %+v", m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Content != tt.content || len(m.Parts) != tt.parts {
				t.Errorf("content %q, %d parts", m.Content, len(m.Parts))
			}
			out, err := json.Marshal(m)
			if err != nil || string(out) != tt.out {
				t.Errorf("marshal = %s, %v; want %s", out, err, tt.out)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	r := llm.ChatResponse{Content: "x"}
	r.Normalize()
	if len(r.Choices) != 1 || r.Choices[0].Message.Content != "x" || r.Choices[0].Message.Role != "assistant" || r.FinishReason != "stop" {
		t.Errorf("from content: %+v", r)
	}
	r = llm.ChatResponse{Choices: []llm.Choice{{Message: llm.Message{Content: "a"}, FinishReason: "tool_calls"}, {Index: 1, Message: llm.Message{Content: "b"}}}}
	r.Normalize()
	if r.Content != "a" || r.FinishReason != "tool_calls" || r.Choices[1].FinishReason != "stop" {
		t.Errorf("from choices: %+v", r)
	}
}
