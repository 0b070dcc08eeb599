package openaiprovider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

// handlerServer is an httptest server on 127.0.0.1 that answers with a
// handler the test writes, counting the requests it receives.
type handlerServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newHandlerServer(t *testing.T, h http.HandlerFunc) *handlerServer {
	t.Helper()
	s := &handlerServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// newFixtureAt is a Provider for baseURL configured by cfg, recording into a
// ManualReader; the key, model and timeout default to the tests' own, and
// waits between attempts are recorded instead of slept.
func newFixtureAt(t *testing.T, baseURL string, cfg Config) *simFixture {
	t.Helper()
	f := &simFixture{meterReader: newMeterReader(t)}
	if cfg.APIKey == "" {
		cfg.APIKey = config.Secret(testKey)
	}
	if cfg.Model == "" {
		cfg.Model = testModel
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.BaseURL = baseURL
	f.provider = New(cfg, f.recorder, WithSleep(f.recordWait))
	return f
}

// completionJSON is a well-formed chat completion with this usage.
func completionJSON(prompt, completion, total int64) string {
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1767225600,"model":%q,`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":"Brass desk lamp"},"finish_reason":"stop"}],`+
		`"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, testModel, prompt, completion, total)
}

func writeCompletion(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprint(w, completionJSON(12, 4, 16))
}
