package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// TestTextThatIsNotUTF8NeverReachesOpenAI posts bodies that encoding/json
// would read with U+FFFD in place of what was sent: each is refused with
// 400 INVALID_UTF8, and the simulator standing for OpenAI receives no
// request until a valid one comes.
func TestTextThatIsNotUTF8NeverReachesOpenAI(t *testing.T) {
	sim, simURL := simtest.Start(t, openaisim.Config{})
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false", "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL,
	})
	for _, body := range []string{
		"{\"message\": \"lamp \xff\"}",
		"{\"message\": \"lamp \xc0\xaf\"}",
		`{"message": "lamp \ud800"}`,
		`{"message": "lamp", "items": [{"itemId": "\udfff"}]}`,
	} {
		req, err := http.NewRequest(http.MethodPost, b.url+"/api/assistant/chat", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+clientKey)
		req.Header.Set("Content-Type", "application/json")
		if a := do(quickClient(), req); a.err != nil || a.status != http.StatusBadRequest || a.code != httpapi.CodeInvalidUTF8 {
			t.Errorf("%q: %d %q %v, want 400 INVALID_UTF8", body, a.status, a.code, a.err)
		}
	}
	if n := sim.Stats().Received; n != 0 {
		t.Fatalf("OpenAI received %d requests for bodies that were refused", n)
	}
	if a := postChat(quickClient(), b.url); a.status != http.StatusOK {
		t.Fatalf("a valid chat: %d %s", a.status, a.body)
	}
	if n := sim.Stats().Received; n != 1 {
		t.Errorf("OpenAI received %d requests for one valid chat", n)
	}
}
