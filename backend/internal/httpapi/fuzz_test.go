package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
)

// knownCodes are the codes an error body may carry: every code the API
// declares (codeValues).
var knownCodes = slices.Collect(maps.Values(codeValues))

// fuzzLimits are small, so that the fuzzer reaches every limit.
var fuzzLimits = config.Limits{MaxBodyBytes: 1024, MaxMessageChars: 50, MaxItems: 3, MaxItemFieldLen: 10}

// FuzzChatRequest feeds the chat endpoint arbitrary bodies and content
// types, from the seeds in testdata/fuzz/FuzzChatRequest. It never panics; every answer is 200, or a 4xx with the JSON error
// body and a known code; and only a request within every limit reaches the
// model, once.
func FuzzChatRequest(f *testing.F) {
	model := &fakeModel{}
	h := New(Deps{
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Assistant: assistant.New(model),
		APIKeys: []config.Secret{clientKey}, Limits: fuzzLimits,
	})
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, ChatPath, bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Authorization", "Bearer "+clientKey)
		w := httptest.NewRecorder()
		before := model.calls.Load()
		h.ServeHTTP(w, r)
		called := model.calls.Load() - before

		switch {
		case w.Code == http.StatusOK:
			if called != 1 {
				t.Fatalf("200 after %d model calls", called)
			}
			if reason := outsideLimits(body); reason != "" {
				t.Fatalf("a request that should be refused reached the model: %s\nbody %q", reason, body)
			}
		case w.Code >= 400 && w.Code < 500:
			if called != 0 {
				t.Fatalf("%d after %d model calls", w.Code, called)
			}
			var e apiError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("%d with a body that is not the JSON error: %q", w.Code, w.Body)
			}
			if !slices.Contains(knownCodes, e.Error.Code) || e.Error.Message == "" {
				t.Fatalf("%d with code %q, message %q", w.Code, e.Error.Code, e.Error.Message)
			}
			if !utf8.ValidString(e.Error.Message) {
				t.Fatalf("error message is not UTF-8: %q", e.Error.Message)
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}

// outsideLimits says why a body the server accepted should have been
// refused, or "" when it is a valid request: it checks the decoded request
// against every limit independently of the handler's own checks.
func outsideLimits(body []byte) string {
	if int64(len(body)) > fuzzLimits.MaxBodyBytes {
		return "body over the size limit"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req chatRequest
	if err := dec.Decode(&req); err != nil {
		return "not a chat request: " + err.Error()
	}
	if rest := bytes.Trim(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return "data after the object"
	}
	if !utf8.Valid(body) {
		return "not UTF-8"
	}
	if replaced(req) && !bytes.Contains(body, []byte("\uFFFD")) && !bytes.Contains(bytes.ToLower(body), []byte(`\ufffd`)) {
		return "a string encoding/json read as U+FFFD: a lone surrogate escape"
	}
	msg := strings.TrimSpace(req.Message)
	switch {
	case msg == "":
		return "empty message"
	case utf8.RuneCountInString(msg) > fuzzLimits.MaxMessageChars:
		return "message too long"
	case len(req.Items) > fuzzLimits.MaxItems:
		return "too many items"
	}
	for _, it := range req.Items {
		id := strings.TrimSpace(it.ItemID)
		if id == "" || utf8.RuneCountInString(id) > fuzzLimits.MaxItemFieldLen ||
			utf8.RuneCountInString(strings.TrimSpace(it.CurrentTitle)) > fuzzLimits.MaxItemFieldLen {
			return "an item outside its limits"
		}
	}
	return ""
}

// replaced tells whether a string of req holds U+FFFD.
func replaced(req chatRequest) bool {
	has := func(s string) bool { return strings.ContainsRune(s, utf8.RuneError) }
	if has(req.Message) {
		return true
	}
	for _, it := range req.Items {
		if has(it.ItemID) || has(it.CurrentTitle) {
			return true
		}
	}
	return false
}
