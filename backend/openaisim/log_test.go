package openaisim_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// syncBuffer is a bytes.Buffer that handlers may write to concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestOneLogLinePerRequestWithoutSecrets(t *testing.T) {
	var out syncBuffer
	s := start(t, openaisim.Config{APIKeys: []string{testKey}, Logger: slog.New(slog.NewJSONHandler(&out, nil))})
	const secretPrompt = "confidential-prompt-text"
	if _, err := s.ask(t, secretPrompt); err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if err := s.srv.Script(openaisim.Fault503); err != nil {
		t.Fatalf("Script: %v", err)
	}
	_, _ = s.ask(t, secretPrompt)
	_, _ = newClient(s.run.URL(), "sk-unknown-but-secret").ListModels(context.Background())
	if err := s.run.Close(); err != nil { // every handler has logged once Close returns
		t.Fatalf("Close: %v", err)
	}

	logged := out.String()
	for _, secret := range []string{testKey, "sk-unknown-but-secret", secretPrompt, "Bearer"} {
		if strings.Contains(logged, secret) {
			t.Errorf("the logs contain %q:\n%s", secret, logged)
		}
	}
	var lines []map[string]any
	scanner := bufio.NewScanner(strings.NewReader(logged))
	for scanner.Scan() {
		var line map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not JSON: %v\n%s", err, scanner.Text())
		}
		lines = append(lines, line)
	}
	if len(lines) != 3 {
		t.Fatalf("got %d log lines, want one per request (3):\n%s", len(lines), logged)
	}
	ok := lines[0]
	for _, key := range []string{"request_id", "status", "model", "prompt_tokens", "completion_tokens", "duration_ms", "outcome"} {
		if _, found := ok[key]; !found {
			t.Errorf("the line of a completion has no %q: %v", key, ok)
		}
	}
	if ok["status"] != 200.0 || ok["model"] != "gpt-4o-mini" || ok["outcome"] != "succeeded" {
		t.Errorf("the line of a completion = %v, want status 200, model gpt-4o-mini, outcome succeeded", ok)
	}
	if fault := lines[1]; fault["status"] != 503.0 || fault["fault"] != "503" {
		t.Errorf("the line of a fault = %v, want status 503 and fault 503", fault)
	}
	if models := lines[2]; models["status"] != 401.0 || models["path"] != "/v1/models" {
		t.Errorf("the line of a refused model list = %v, want status 401 on /v1/models", models)
	}
}
