package openaisim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// contentTypeEventStream is the Content-Type of a streamed answer, as
// OpenAI sends it.
const contentTypeEventStream = "text/event-stream; charset=utf-8"

// answer is an admitted chat completion, ready to be sent.
type answer struct {
	id       string
	in       chatInput
	c        completion
	events   []streamEvent
	prefixes []prefixKey
}

// streamChat sends an admitted completion as OpenAI streams one: the
// headers with the first chunk (so openai-processing-ms is the time to first
// token, as OpenAI's is), a.events as "data: {chunk}" lines on their schedule,
// then, if the request asked for it, a chunk with the usage and no choices,
// then "data: [DONE]". Every chunk has the same id, created, model and
// system fingerprint.
//
// A FaultCut or FaultErrorChunk strikes where the chunk after the first
// half of the content chunks would be sent: the connection is cut there, or
// an error chunk ends the stream; no usage, no [DONE] follow. A client that
// goes away mid-stream is counted as abandoned.
//
// A stream that completes bills its whole usage. One that ends short bills
// what OpenAI bills, the tokens generated: the prompt (with its cached
// tokens) and, for each choice whose first chunk was sent, its reasoning and
// the content tokens sent; one that ends before its first chunk bills
// nothing, as an abandoned answer not streamed does.
func (s *Server) streamChat(ctx context.Context, ex *exchange, a answer) {
	sw := &streamWriter{ex: ex, rc: http.NewResponseController(ex.w), chunk: chatChunk{
		ID:                a.id,
		Object:            "chat.completion.chunk",
		Created:           s.now().Unix(),
		Model:             a.in.model,
		ServiceTier:       serviceTier,
		SystemFingerprint: systemFingerprint,
	}}
	if a.in.includeUsage {
		sw.chunk.Usage = json.RawMessage("null")
	}

	strike := len(a.events) + 1 // never
	if ex.fault.midStream() {
		strike = midStreamStrike(a.events)
	}
	sent := sentTokens{choices: make([]bool, len(a.c.choices))}
	var elapsed time.Duration
	for i := 0; i <= len(a.events); i++ {
		if i < len(a.events) || i == strike {
			next := a.events[min(i, len(a.events)-1)].at
			if !s.sleep(ctx, next-elapsed) {
				s.endShort(ex, a, sent, outcomeAbandoned)
				return
			}
			elapsed = max(elapsed, next)
		}
		if i == strike {
			if ex.fault == FaultErrorChunk {
				s.endShort(ex, a, sent, outcomeStreamError)
				sw.writeError(errStreamInterrupted())
			} else {
				ex.cut = true
				s.endShort(ex, a, sent, outcomeStreamCut)
			}
			return
		}
		if i == len(a.events) {
			break
		}
		ev := a.events[i]
		if !sent.any {
			s.prompts.remember(s.now(), a.prefixes)
		}
		if !sw.writeEvent(ev) {
			s.endShort(ex, a, sent, outcomeAbandoned)
			return
		}
		sent.add(ev)
	}
	use := a.c.usage
	if a.in.includeUsage {
		raw, _ := json.Marshal(use) // a usage always marshals
		sw.chunk.Choices, sw.chunk.Usage = []chunkChoice{}, raw
		sw.writeChunk()
	}
	if sw.failed {
		s.endShort(ex, a, sent, outcomeAbandoned)
		return
	}
	// Billed once the last chunk is sent, before [DONE] tells the client.
	ex.usage = &use
	s.answered(a.in.model, use)
	sw.writeLine([]byte("[DONE]"))
}

// endShort records a stream that ended before its [DONE], and bills the
// tokens it generated.
func (s *Server) endShort(ex *exchange, a answer, sent sentTokens, how outcome) {
	if how == outcomeAbandoned {
		ex.abandon()
	}
	ex.ended = &how
	if !sent.any {
		return
	}
	use := a.c.usage
	use.CompletionTokens, use.CompletionTokensDetails.ReasoningTokens = 0, 0
	for i, started := range sent.choices {
		if started {
			use.CompletionTokens += a.c.reasoning[i]
			use.CompletionTokensDetails.ReasoningTokens += a.c.reasoning[i]
		}
	}
	use.CompletionTokens += sent.content
	use.TotalTokens = use.PromptTokens + use.CompletionTokens
	ex.usage = &use
	s.answered(a.in.model, use)
}

// sentTokens is what a stream has sent so far.
type sentTokens struct {
	any     bool
	choices []bool // the choices whose first chunk was sent
	content int    // content tokens sent
}

func (t *sentTokens) add(ev streamEvent) {
	t.any = true
	t.choices[ev.choice] = true
	t.content += ev.tokens
}

// streamWriter writes the server-sent events of one stream, flushing each.
type streamWriter struct {
	ex      *exchange
	rc      *http.ResponseController
	chunk   chatChunk // the fields every chunk shares
	started bool      // the headers are sent
	failed  bool      // a write failed: the client is gone
}

// start sends the headers of the stream.
func (sw *streamWriter) start() {
	h := sw.ex.w.Header()
	h.Set(headerContentType, contentTypeEventStream)
	h.Set(headerProcessingMS, strconv.FormatInt(time.Since(sw.ex.start).Milliseconds(), 10))
	sw.ex.w.WriteHeader(http.StatusOK)
	sw.ex.status = http.StatusOK
	sw.started = true
}

// writeEvent sends ev as a chunk, and reports whether the client took it.
func (sw *streamWriter) writeEvent(ev streamEvent) bool {
	choice := chunkChoice{Index: ev.choice, Delta: contentDelta{Content: ev.text}}
	if ev.role {
		choice.Delta = roleDelta{Role: "assistant"}
	}
	if ev.finish != "" {
		choice.FinishReason = &ev.finish
	}
	sw.chunk.Choices = []chunkChoice{choice}
	sw.writeChunk()
	return !sw.failed
}

func (sw *streamWriter) writeChunk() {
	body, _ := json.Marshal(sw.chunk) // only the simulator's own types: they always marshal
	sw.writeLine(body)
}

// writeError sends an error chunk, data: {"error": {...}}.
func (sw *streamWriter) writeError(e apiError) {
	body, _ := json.Marshal(errorBody{Error: e})
	sw.writeLine(body)
}

// writeLine sends one event, "data: " line and blank line, and flushes it.
func (sw *streamWriter) writeLine(data []byte) {
	if sw.failed {
		return
	}
	if !sw.started {
		sw.start()
	}
	line := make([]byte, 0, len(data)+8)
	line = append(line, "data: "...)
	line = append(line, data...)
	line = append(line, "\n\n"...)
	if _, err := sw.ex.w.Write(line); err != nil {
		sw.failed = true
		return
	}
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		sw.failed = true
	}
}
