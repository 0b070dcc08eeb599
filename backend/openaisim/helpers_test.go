package openaisim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

const testKey = "sk-test-0123456789"

// sim is a simulator started for one test, with a go-openai client on it.
type sim struct {
	srv    *openaisim.Server
	run    *openaisim.Running
	client *openai.Client
}

// start runs a simulator configured by cfg on a loopback port until the
// test ends.
func start(t testing.TB, cfg openaisim.Config) *sim {
	t.Helper()
	srv, err := openaisim.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := run.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &sim{srv: srv, run: run, client: newClient(run.URL(), testKey)}
}

func newClient(baseURL, key string) *openai.Client {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = baseURL
	return openai.NewClientWithConfig(cfg)
}

// ask sends one chat completion with a system prompt and prompt.
func (s *sim) ask(t testing.TB, prompt string) (openai.ChatCompletionResponse, error) {
	t.Helper()
	return s.client.CreateChatCompletion(context.Background(), chat(prompt))
}

func chat(prompt string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You write short marketplace listings."},
			{Role: openai.ChatMessageRoleUser, Content: prompt},
		},
	}
}

// post sends body to path with the test key, bypassing go-openai, and
// returns the status, headers and body.
func (s *sim) post(t testing.TB, path, body string) (int, http.Header, []byte) {
	t.Helper()
	return s.do(t, http.MethodPost, path, body, "Bearer "+testKey)
}

func (s *sim) do(t testing.TB, method, path, body, authorization string) (int, http.Header, []byte) {
	t.Helper()
	url := strings.TrimSuffix(s.run.URL(), "/v1") + path
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer to %s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, got
}

// openAIError is OpenAI's error body, decoded strictly.
type openAIError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func decodeError(t testing.TB, body []byte) openAIError {
	t.Helper()
	var e openAIError
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("the body is not OpenAI's error JSON: %v\n%s", err, body)
	}
	return e
}

// asAPIError returns err as the *openai.APIError go-openai makes of a JSON
// error answer.
func asAPIError(t testing.TB, err error) *openai.APIError {
	t.Helper()
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *openai.APIError", err, err)
	}
	return apiErr
}

// waitFor polls cond until it holds; the deadline only bounds a broken
// test.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
