package openaisim_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// unlimited is a configuration whose rate limits no benchmark reaches.
func unlimited() openaisim.Config {
	return openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 1 << 50, Tokens: 1 << 50}}
}

// BenchmarkServeHTTP measures the handling of one chat completion with zero
// latency, without the network.
func BenchmarkServeHTTP(b *testing.B) {
	benchmarkServe(b, `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You write short marketplace listings."},{"role":"user","content":"vintage leather jacket, brown, size M"}]}`)
}

// BenchmarkServeHTTPCachedPrompt is BenchmarkServeHTTP for a prompt of
// about 1500 tokens that the prompt cache holds: the cost of hashing its
// cacheable prefixes and looking them up.
func BenchmarkServeHTTPCachedPrompt(b *testing.B) {
	benchmarkServe(b, `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"`+strings.Repeat("You write short marketplace listings. ", 160)+
		`"},{"role":"user","content":"vintage leather jacket, brown, size M"}]}`)
}

// benchmarkServe measures ServeHTTP answering body with a 200.
func benchmarkServe(b *testing.B, body string) {
	srv, err := openaisim.New(unlimited())
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkChatCompletionOverHTTP measures one go-openai call to the
// simulator over loopback HTTP with zero latency: the cost a test or a load
// run pays per request.
func BenchmarkChatCompletionOverHTTP(b *testing.B) {
	s := start(b, unlimited())
	req := chat("vintage leather jacket, brown, size M")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.client.CreateChatCompletion(ctx, req); err != nil {
			b.Fatalf("CreateChatCompletion: %v", err)
		}
	}
}

// BenchmarkChatCompletionOverHTTPParallel is the same under concurrent
// clients.
func BenchmarkChatCompletionOverHTTPParallel(b *testing.B) {
	s := start(b, unlimited())
	req := chat("vintage leather jacket, brown, size M")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.client.CreateChatCompletion(context.Background(), req); err != nil {
				b.Errorf("CreateChatCompletion: %v", err)
				return
			}
		}
	})
}
