package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

// logBuffer collects the command's standard error for concurrent reading.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// baseURL returns the base_url of the listening line, once it is logged.
func (b *logBuffer) baseURL() string {
	for line := range strings.SplitSeq(b.String(), "\n") {
		var entry struct {
			Msg     string `json:"msg"`
			BaseURL string `json:"base_url"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.BaseURL != "" {
			return entry.BaseURL
		}
	}
	return ""
}

func TestServeAnswersAndShutsDown(t *testing.T) {
	const key = "sk-run-test-key"
	env := map[string]string{"SIM_API_KEYS": key, "SIM_LATENCY_MEDIAN": "0", "SIM_LATENCY_P99": "0", "SIM_PACE": "0"}
	var stderr logBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- serve(ctx, []string{"-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stderr)
	}()

	deadline := time.Now().Add(10 * time.Second)
	var url string
	for url = stderr.baseURL(); url == ""; url = stderr.baseURL() {
		if time.Now().After(deadline) {
			t.Fatalf("the simulator never logged its URL:\n%s", stderr.String())
		}
		time.Sleep(time.Millisecond)
	}

	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = url
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:    openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "teak bench"}},
	})
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if resp.GetRateLimitHeaders().LimitRequests != 500 {
		t.Errorf("limit = %d, want the demo default 500", resp.GetRateLimitHeaders().LimitRequests)
	}
	stream, err := openai.NewClientWithConfig(cfg).CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{
		Model:         openai.GPT4oMini,
		Messages:      []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "teak bench"}},
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	var streamed strings.Builder
	var usage *openai.Usage
	for {
		chunk, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("the stream ended with %v, want io.EOF after [DONE]", err)
			}
			break
		}
		for _, c := range chunk.Choices {
			streamed.WriteString(c.Delta.Content)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
	}
	stream.Close()
	if streamed.String() != resp.Choices[0].Message.Content || usage == nil || usage.TotalTokens != resp.Usage.TotalTokens {
		t.Errorf("streamed %q with usage %v, want the answer not streamed, %q and %d tokens", streamed.String(), usage, resp.Choices[0].Message.Content, resp.Usage.TotalTokens)
	}
	cfg = openai.DefaultConfig("sk-not-accepted")
	cfg.BaseURL = url
	_, err = openai.NewClientWithConfig(cfg).ListModels(ctx)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 {
		t.Errorf("a key outside SIM_API_KEYS: %v, want a 401", err)
	}

	cancel()
	select {
	case code := <-exit:
		if code != exitOK {
			t.Errorf("exit code %d, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	logs := stderr.String()
	if strings.Contains(logs, key) || strings.Contains(logs, "sk-not-accepted") {
		t.Errorf("the logs contain a key:\n%s", logs)
	}
	for _, want := range []string{`"msg":"request"`, `"status":200`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the logs lack %s:\n%s", want, logs)
		}
	}
}

func TestServeRejectsBadConfiguration(t *testing.T) {
	var stderr logBuffer
	code := serve(context.Background(), []string{"-faults", "teapot:1"}, func(string) string { return "" }, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), `unknown fault "teapot"`) {
		t.Errorf("exit %d with %q, want 2 and the reason", code, stderr.String())
	}
}
