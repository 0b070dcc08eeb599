package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
)

// blockingModel holds every call until released.
type blockingModel struct {
	fakeModel
	entered chan struct{}
	release chan struct{}
}

func newBlockingModel() *blockingModel {
	return &blockingModel{entered: make(chan struct{}, 100), release: make(chan struct{})}
}

func (b *blockingModel) Chat(ctx context.Context, req openaiprovider.Request) (openaiprovider.Response, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.fakeModel.Chat(ctx, req)
}

// readCounter counts the reads of a request body.
type readCounter struct {
	r     io.Reader
	reads atomic.Int64
}

func (c *readCounter) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.r.Read(p)
}

func TestChatRequestsBeyondTheLimitAreRefusedBeforeTheirBody(t *testing.T) {
	const limit, extra = 3, 2
	model := newBlockingModel()
	h := New(Deps{
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Assistant: assistant.New(model),
		APIKeys: []config.Secret{clientKey}, Limits: config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20},
		MaxInFlight: limit,
	})
	serve := func(body io.Reader) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, ChatPath, body)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+clientKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	var held sync.WaitGroup
	codes := make(chan int, limit)
	for range limit {
		held.Go(func() { codes <- serve(strings.NewReader(validBody)).Code })
	}
	for range limit {
		<-model.entered
	}
	for i := range extra {
		body := &readCounter{r: strings.NewReader(validBody)}
		w := serve(body)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), `"code":"`+CodeOverloaded+`"`) {
			t.Errorf("request %d beyond the limit: %d Retry-After %q %s", i, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if n := body.reads.Load(); n != 0 {
			t.Errorf("request %d beyond the limit: its body was read %d times", i, n)
		}
	}
	for _, path := range []string{HealthPath, ReadyPath} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Errorf("%s at the limit: %d", path, w.Code)
		}
	}
	// An unauthenticated client is told so, whatever the load.
	r := httptest.NewRequest(http.MethodPost, ChatPath, strings.NewReader(validBody))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Errorf("without a key at the limit: %d", w.Code)
	}

	close(model.release)
	held.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Errorf("a request within the limit: %d", code)
		}
	}
	if w := serve(strings.NewReader(validBody)); w.Code != http.StatusOK {
		t.Errorf("after the held requests finished: %d %s", w.Code, w.Body)
	}
	if n := model.calls.Load(); n != limit+1 {
		t.Errorf("the model was called %d times, want %d: refused requests must not reach it", n, limit+1)
	}
}
