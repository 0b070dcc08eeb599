package openaiprovider

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// TestChatStreamAgainstSimulator: a streamed call to the simulator over
// HTTP through go-openai hands over the whole reply in pieces and counts
// exactly the usage of its last chunk, as a call not streamed does.
func TestChatStreamAgainstSimulator(t *testing.T) {
	f := newSimFixture(t, openaisim.Config{}, 2, 5*time.Second)
	whole, err := f.chat(t)
	if err != nil {
		t.Fatal(err)
	}
	var d deltas
	resp, err := f.provider.ChatStream(context.Background(), Request{Messages: []Message{
		{Role: RoleSystem, Content: "You write listing titles."},
		{Role: RoleUser, Content: "Generate a listing title for a brass desk lamp"},
	}, MaxTokens: 100}, d.add)
	if err != nil {
		t.Fatal(err)
	}
	pieces := d.got()
	if len(pieces) < 2 || strings.Join(pieces, "") != resp.Reply || resp.Reply == "" || resp.Attempts != 1 ||
		!strings.HasPrefix(resp.RequestID, "req_") || resp.Model != testModel {
		t.Errorf("pieces %q, response %+v", pieces, resp)
	}
	if resp.Usage.InputTokens != whole.Usage.InputTokens || resp.Usage.TotalTokens != resp.Usage.InputTokens+resp.Usage.OutputTokens ||
		resp.Usage.OutputTokens <= 0 {
		t.Errorf("streamed usage %+v, the same prompt not streamed %+v", resp.Usage, whole.Usage)
	}
	got := f.collect()
	if v, _ := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusSuccess, "")); v != 1 {
		t.Errorf("streamed successes = %d, want 1", v)
	}
	for tokenType, want := range map[string]int64{
		m.TokenInput: whole.Usage.InputTokens + resp.Usage.InputTokens, m.TokenOutput: whole.Usage.OutputTokens + resp.Usage.OutputTokens,
		m.TokenTotal: whole.Usage.TotalTokens + resp.Usage.TotalTokens,
	} {
		if v, _ := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); v != want {
			t.Errorf("tokens{%s} = %d, want %d, both answers' usage", tokenType, v, want)
		}
	}
	if n := firstTokenCount(t, f); n != 1 {
		t.Errorf("%d first tokens, want 1: the streamed call's", n)
	}
	if s := f.sim.Stats(); s.Streamed != 1 || s.Succeeded != 2 {
		t.Errorf("simulator stats %+v, want 2 answers, 1 streamed", s)
	}
}

// TestChatStreamSimulatorFaults: faults before the stream are retried as
// ever; faults in the middle of a stream (a cut, an error chunk) end the call
// after the pieces that came, with no retry.
func TestChatStreamSimulatorFaults(t *testing.T) {
	for _, tc := range []struct {
		name       string
		script     []openaisim.Fault
		wantErr    string
		wantCounts map[string]int64 // by error type, "" = success
		wantWaits  int
	}{
		{"429 then success", []openaisim.Fault{openaisim.Fault429}, "", map[string]int64{"": 1, m.ErrorRateLimited: 1}, 1},
		{"5xx then success", []openaisim.Fault{openaisim.Fault500, openaisim.Fault503}, "", map[string]int64{"": 1, m.ErrorProviderUnavailable: 2}, 2},
		{"cut mid-stream", []openaisim.Fault{openaisim.FaultCut}, m.ErrorProviderError, map[string]int64{m.ErrorProviderError: 1}, 0},
		{"error chunk mid-stream", []openaisim.Fault{openaisim.FaultErrorChunk}, m.ErrorProviderError, map[string]int64{m.ErrorProviderError: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSimFixture(t, openaisim.Config{}, 2, 5*time.Second)
			if err := f.sim.Script(tc.script...); err != nil {
				t.Fatal(err)
			}
			var d deltas
			resp, err := f.provider.ChatStream(context.Background(), streamMessages, d.add)
			var perr *Error
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v, want success", err)
			case tc.wantErr != "" && (!errors.As(err, &perr) || perr.Kind.Label() != tc.wantErr || perr.Attempts != 1):
				t.Fatalf("error %v, want %s after 1 attempt", err, tc.wantErr)
			case tc.wantErr != "" && len(d.got()) == 0:
				t.Error("no piece came before the fault")
			case tc.wantErr == "" && strings.Join(d.got(), "") != resp.Reply:
				t.Errorf("pieces %q, reply %q", d.got(), resp.Reply)
			}
			var total int64
			for errorType, want := range tc.wantCounts {
				total += want
				labels := streamLabels(m.StatusSuccess, "")
				if errorType != "" {
					labels = streamLabels(m.StatusError, errorType)
				}
				if v, _ := sumValue(t, f.collect(), m.RequestsTotal, labels); v != want {
					t.Errorf("streamed requests{error_type=%q} = %d, want %d", errorType, v, want)
				}
			}
			if f.sim.Stats().Received != total || len(f.waits) != tc.wantWaits {
				t.Errorf("simulator received %d, waits %v: want %d and %d waits", f.sim.Stats().Received, f.waits, total, tc.wantWaits)
			}
		})
	}
}

// TestChatStreamCancelledAgainstSimulator: a caller that goes away after
// the first piece cancels the simulator's answer (it counts it abandoned);
// the attempt is cancelled, no error.
func TestChatStreamCancelledAgainstSimulator(t *testing.T) {
	// At its pace the simulator waits before each chunk but (perhaps) the
	// first content chunk; its first wait passes at once, the next hold
	// until its request is cancelled: a piece comes, the rest never does.
	var sleeps atomic.Int64
	f := newSimFixture(t, openaisim.Config{
		Latency: openaisim.Latency{Pace: openaisim.Pace{Default: 100}},
		Sleep: func(ctx context.Context, _ time.Duration) bool {
			if sleeps.Add(1) <= 1 {
				return true
			}
			<-ctx.Done()
			return false
		},
	}, 2, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := f.provider.ChatStream(ctx, streamMessages, func(string) error {
		cancel()
		return nil
	})
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("error %v, want ErrCancelled", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.sim.Stats().Abandoned == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s := f.sim.Stats(); s.Abandoned != 1 || s.Received != 1 {
		t.Errorf("simulator stats %+v, want its one answer abandoned", s)
	}
	if v, _ := sumValue(t, f.collect(), m.RequestsTotal, streamLabels(m.StatusCancelled, "")); v != 1 {
		t.Errorf("cancelled = %d, want 1", v)
	}
	if n := errorSeries(t, f); n != 0 {
		t.Errorf("%d errors counted, want none", n)
	}
}
