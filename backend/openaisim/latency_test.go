package openaisim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestLatencyEndsWhenTheClientGivesUp(t *testing.T) {
	s := start(t, openaisim.Config{Latency: openaisim.Latency{Median: time.Hour}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	resp, err := s.client.CreateChatCompletion(ctx, chat("garden bench"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the client's deadline", err)
	}
	if len(resp.Choices) != 0 {
		t.Errorf("got an answer from an hour-long completion")
	}
	// The client's departure, not the server's stop, frees the handler.
	waitFor(t, "the slow request to be abandoned", func() bool { return s.srv.Stats().Abandoned == 1 })

	if err := s.srv.SetLatency(openaisim.Latency{}); err != nil {
		t.Fatalf("SetLatency: %v", err)
	}
	if _, err := s.ask(t, "garden bench"); err != nil {
		t.Errorf("with the latency removed: %v", err)
	}
	if err := s.srv.SetLatency(openaisim.Latency{Median: time.Second, P99: time.Millisecond}); err == nil {
		t.Error("SetLatency accepted a p99 below the median")
	}
}
