package httpapi

import (
	"net/http"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
)

// TestEveryErrorKindHasAnAnswer walks every kind of OpenAI failure: each
// has its answer, an error status and a code that is the kind's label of
// the metric contract, and a failure of that kind is answered with them,
// whether or not the answer was to be streamed.
func TestEveryErrorKindHasAnAnswer(t *testing.T) {
	kinds := openaiprovider.ErrorKinds()
	if len(providerAnswers) != len(kinds) {
		t.Errorf("%d answers for %d kinds", len(providerAnswers), len(kinds))
	}
	codes := map[string]bool{}
	for _, k := range kinds {
		a, ok := providerAnswers[k]
		if !ok {
			t.Errorf("kind %v has no answer", k)
			continue
		}
		if a.status < 400 || a.status > 599 || a.message == "" {
			t.Errorf("kind %v: answer %+v", k, a)
		}
		if a.code != k.Label() {
			t.Errorf("kind %v is answered with code %q, not its label %q", k, a.code, k.Label())
		}
		if codes[a.code] {
			t.Errorf("code %q answers two kinds", a.code)
		}
		codes[a.code] = true
		for _, body := range []string{validBody, `{"message": "hi", "stream": true}`} {
			api := newTestAPI(t, &fakeModel{err: &openaiprovider.Error{Kind: k, Attempts: 1}})
			w, e := api.do(t, chatCall(body))
			if w.Code != a.status || e.Error.Code != a.code || e.Error.Message != a.message {
				t.Errorf("kind %v (%s): got %d %s %q, want %d %s %q", k, body, w.Code, e.Error.Code, e.Error.Message, a.status, a.code, a.message)
			}
		}
	}
	for code, want := range map[string]int{
		CodeOpenAIRateLimited: http.StatusTooManyRequests, CodeProviderUnavailable: http.StatusServiceUnavailable,
		CodeOpenAIUnauthorized: http.StatusBadGateway, CodeProviderError: http.StatusBadGateway,
	} {
		if !codes[code] {
			t.Errorf("no kind is answered with %s", code)
		}
		for _, a := range providerAnswers {
			if a.code == code && a.status != want {
				t.Errorf("%s is answered %d, want %d", code, a.status, want)
			}
		}
	}
}
