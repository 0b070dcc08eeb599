package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

const streamedQuestion = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}], "stream": true}`

// sseEvent is one event of a streamed answer.
type sseEvent struct {
	name, data string
}

// stream posts a streamed chat request and reads its events to the end.
func (s *stack) stream(t *testing.T, body string) (*http.Response, []sseEvent) {
	t.Helper()
	resp := s.post(t, body)
	defer resp.Body.Close()
	var events []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				events = append(events, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event:"):
			cur.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			cur.data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return resp, events
}

// TestStreamedAnswersReachPrometheus streams answers through the backend
// binary from the simulator: the events are deltas then one done whose usage
// is the plain answer's, the deltas carry a reply, and
// Prometheus 3 holds the exact tokens, the attempts by stream label and one
// time to first token per streamed call.
func TestStreamedAnswersReachPrometheus(t *testing.T) {
	s := startStack(t)
	plain := s.chat(t, question)
	if plain.status != http.StatusOK {
		t.Fatalf("plain chat: %d %s", plain.status, plain.code)
	}
	const streamed = 3
	want := map[string]int64{m.TokenInput: plain.usage.InputTokens, m.TokenOutput: plain.usage.OutputTokens}
	for range streamed {
		resp, events := s.stream(t, streamedQuestion)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), httpapi.StreamContentType) {
			t.Fatalf("streamed chat: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if len(events) < 2 {
			t.Fatalf("events %+v: want deltas and a done", events)
		}
		var reply strings.Builder
		for _, e := range events[:len(events)-1] {
			var d httpapi.StreamDelta
			if e.name != httpapi.StreamEventDelta || json.Unmarshal([]byte(e.data), &d) != nil {
				t.Fatalf("event %+v: want a delta", e)
			}
			reply.WriteString(d.Text)
		}
		last := events[len(events)-1]
		var done httpapi.StreamDone
		if last.name != httpapi.StreamEventDone || json.Unmarshal([]byte(last.data), &done) != nil {
			t.Fatalf("last event %+v: want done", last)
		}
		if done.Model != model || done.Usage.InputTokens != plain.usage.InputTokens || done.Usage.OutputTokens != plain.usage.OutputTokens ||
			done.Usage.TotalTokens != plain.usage.TotalTokens || reply.Len() == 0 {
			t.Errorf("done %+v with a reply of %d bytes, want the plain answer's usage %+v", done, reply.Len(), plain.usage)
		}
		want[m.TokenInput] += done.Usage.InputTokens
		want[m.TokenOutput] += done.Usage.OutputTokens
	}
	s.shutdown(t)

	sel := fmt.Sprintf(`job="scanium-backend", %s="%s"`, m.LabelModel, model)
	for tokenType, n := range want {
		expr := fmt.Sprintf(`%s{%s, %s="%s"}`, m.TokensTotal, sel, m.LabelTokenType, tokenType)
		if got, ok := queryOne(t, s.prom, expr); !ok || got != float64(n) {
			t.Errorf("%s = %v (found %v), want %d", expr, got, ok, n)
		}
	}
	for stream, n := range map[string]float64{m.StreamTrue: streamed, m.StreamFalse: 1} {
		expr := fmt.Sprintf(`%s{%s, %s="%s", %s="%s"}`, m.RequestsTotal, sel, m.LabelStatus, m.StatusSuccess, m.LabelStream, stream)
		if got, ok := queryOne(t, s.prom, expr); !ok || got != n {
			t.Errorf("%s = %v (found %v), want %v", expr, got, ok, n)
		}
	}
	ttft := fmt.Sprintf(`%s{%s, %s="%s", %s="%s"}`, m.Count(m.TimeToFirstTokenSeconds), sel, m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamTrue)
	if got, ok := queryOne(t, s.prom, ttft); !ok || got != streamed {
		t.Errorf("%s = %v (found %v), want one per streamed call (%d)", ttft, got, ok, streamed)
	}
	if got, ok := queryOne(t, s.prom, fmt.Sprintf(`sum(%s{%s="%s"})`, m.Count(m.TimeToFirstTokenSeconds), m.LabelStream, m.StreamFalse)); ok && got != 0 {
		t.Errorf("a plain call has a time to first token: %v", got)
	}
	// Every first token came before its stream's end.
	first, _ := queryOne(t, s.prom, fmt.Sprintf(`sum(%s{%s})`, m.Sum(m.TimeToFirstTokenSeconds), sel))
	whole, _ := queryOne(t, s.prom, fmt.Sprintf(`sum(%s{%s, %s="%s"})`, m.Sum(m.RequestDurationSeconds), sel, m.LabelStream, m.StreamTrue))
	if first <= 0 || first > whole {
		t.Errorf("time to first tokens sum to %v s, the streams' durations to %v s: want 0 < first ≤ whole", first, whole)
	}
}
