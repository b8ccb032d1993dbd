package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phalanetwork/phala/client"
)

// llmFlags are the flags of "phala llm chat".
type llmFlags struct {
	gateway, apiKey, save string
	stream                bool
	maxTokens             int
}

func newLLMCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "llm", Short: "The AI router through the gateway's OpenAI API, with answers verified"}
	var f llmFlags
	chat := &cobra.Command{
		Use:   "chat MODEL MESSAGE",
		Short: "Send one chat message to MODEL through the gateway and verify the signed answer",
		Long: `Send one user message to MODEL (provider/model, see the gateway's /v1/models)
through the gateway's /v1/chat/completions with an API key (phala agent apikey
create), print the reply, and verify the answer as phala verify does: the
worker's signature, that it answers the request sent, that the response (for
--stream, the whole stream) is the one signed, and, with proven reads, that
the signer is a registered, attested worker. --save keeps the request and the
whole response for phala verify.`,
		Example: `  phala llm chat local/stories260K "Once upon a time" --api-key phk-... --save chat.json
  phala llm chat local/stories260K "Once upon a time" --api-key phk-... --stream --save chat.json && phala verify chat.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLLMChat(cmd.Context(), g, &f, args[0], args[1])
		},
	}
	chat.Flags().StringVar(&f.gateway, "gateway", defaultGateway, "gateway URL (a running devnet's comes from <home>/client.json)")
	chat.Flags().StringVar(&f.apiKey, "api-key", os.Getenv("PHALA_API_KEY"), "API key (default $PHALA_API_KEY)")
	chat.Flags().StringVar(&f.save, "save", "", "save the request and the whole signed response to FILE for phala verify")
	chat.Flags().BoolVar(&f.stream, "stream", false, "ask for a streamed answer (its signature comes after the last event)")
	chat.Flags().IntVar(&f.maxTokens, "max-tokens", 64, "most tokens to generate")
	cmd.AddCommand(chat)
	return cmd
}

func runLLMChat(ctx context.Context, g *globals, f *llmFlags, model, message string) error {
	if f.apiKey == "" {
		return fmt.Errorf("--api-key is required (make one with: phala agent apikey create --from KEY)")
	}
	body, _ := json.Marshal(map[string]any{"model": model, "stream": f.stream, "max_tokens": f.maxTokens,
		"messages": []map[string]string{{"role": "user", "content": message}}})
	s, err := postChat(ctx, f, body)
	if err != nil {
		return err
	}
	if s.Status != http.StatusOK {
		return fmt.Errorf("chat: %d %s: %s", s.Status, http.StatusText(s.Status), strings.TrimSpace(string(s.Body)))
	}
	c, va, err := g.verifyExchange(ctx, s)
	if err != nil {
		return err
	}
	if f.save != "" {
		if err := saveExchange(ctx, c, f.save, s); err != nil {
			return err
		}
	}
	reply := chatContent(s.Body, f.stream)
	a := va.Answer
	out := map[string]any{"content": reply, "provider": a.Provider, "model": a.Model, "worker": fmt.Sprintf("%x", a.Worker), "verified_height": va.Height}
	return g.print(out, func(w io.Writer) {
		fmt.Fprintln(w, reply)
		fmt.Fprintf(g.errOut, "answered by %s/%s on worker %x; signature, request, response and the worker's registration verified at height %d\n", a.Provider, a.Model, a.Worker[:8], va.Height)
	})
}

// postChat sends body to the gateway's chat completions and returns the
// exchange as phala verify reads it: the request as sent, the response
// headers with its trailers, and the whole body.
func postChat(ctx context.Context, f *llmFlags, body []byte) (SavedResponse, error) {
	const uri = "/v1/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(f.gateway, "/")+uri, bytes.NewReader(body))
	if err != nil {
		return SavedResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return SavedResponse{}, fmt.Errorf("chat: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return SavedResponse{}, fmt.Errorf("chat: read the answer: %w", err)
	}
	h := resp.Header.Clone()
	for k, vs := range resp.Trailer {
		h[k] = vs
	}
	sent := client.SentRequest{Method: http.MethodPost, URI: uri, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	return SavedResponse{Request: &sent, Status: resp.StatusCode, Headers: h, Body: out}, nil
}

// chatContent is the reply's text: the message of a whole answer, or the
// deltas of a stream joined.
func chatContent(body []byte, stream bool) string {
	type choice struct {
		Message struct{ Content string } `json:"message"`
		Delta   struct{ Content string } `json:"delta"`
	}
	var c struct{ Choices []choice }
	if !stream {
		if json.Unmarshal(body, &c) == nil && len(c.Choices) > 0 {
			return c.Choices[0].Message.Content
		}
		return string(body)
	}
	var sb strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if ok && json.Unmarshal([]byte(data), &c) == nil && len(c.Choices) > 0 {
			sb.WriteString(c.Choices[0].Delta.Content)
		}
	}
	return sb.String()
}
