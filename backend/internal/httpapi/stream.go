package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// streamWriteTimeout bounds the write of one event: a client that reads
// nothing for that long is cut. It replaces the server's WriteTimeout, which
// bounds a whole answer, for a stream, which lasts as long as OpenAI takes.
const streamWriteTimeout = 15 * time.Second

// serverStreamOutcomes are the openai.stream.outcome attributes of the
// SERVER span, made once.
var serverStreamOutcomes = map[string]attribute.KeyValue{
	m.StreamOutcomeDone:      attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeDone),
	m.StreamOutcomeError:     attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeError),
	m.StreamOutcomeCancelled: attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeCancelled),
}

// streamChat answers q as a stream of events (streamwire.go). The stream
// begins with OpenAI's first chunk: a failure before it is answered as
// when not streamed, with its status; after it, with an error event. The
// call ends with the request: a client that goes away cancels it.
func (h *handler) streamChat(w http.ResponseWriter, r *http.Request, q assistant.Question) {
	// The server's ReadTimeout does not cut the stream: net/http clears the
	// read deadline once the body is read. Its WriteTimeout would: each
	// event's write sets its own deadline instead.
	ev := &eventWriter{w: w, rc: http.NewResponseController(w)}
	answer, err := h.assistant.AskStream(r.Context(), q, func(text string) error {
		return ev.send(StreamEventDelta, StreamDelta{Text: text})
	})
	state := stateFrom(r.Context())
	outcome := m.StreamOutcomeDone
	switch {
	case errors.Is(err, openaiprovider.ErrCancelled):
		// Nobody is there to answer.
		outcome = m.StreamOutcomeCancelled
		if state != nil {
			state.openAIRequestID, state.openAIAttempts = answer.OpenAIRequestID, answer.Attempts
		}
	case err != nil && !ev.started:
		outcome = m.StreamOutcomeError
		h.writeProviderError(w, r, err)
	case err != nil:
		outcome = m.StreamOutcomeError
		code, message := CodeInternal, internalAssistantMessage
		if perr, ok := h.providerFailed(r, err); ok {
			a := providerAnswerOf(perr)
			code, message = a.code, a.message
		}
		noteErrorCode(r.Context(), code)
		_ = ev.send(StreamEventError, apiError{Error: errorBody{Code: code, Message: message}})
	default:
		if state != nil {
			state.openAIRequestID, state.openAIAttempts = answer.OpenAIRequestID, answer.Attempts
		}
		_ = ev.send(StreamEventDone, StreamDone{Model: answer.Model, Usage: chatUsage(answer.Usage)})
	}
	if state != nil {
		state.stream = outcome
	}
	trace.SpanFromContext(r.Context()).SetAttributes(serverStreamOutcomes[outcome])
}

// eventWriter writes the events of a streamed answer, each flushed at once.
// The first event begins the answer: status 200 and StreamContentType.
type eventWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	buf     []byte
}

// send writes one event whose data is v as JSON; an error tells that the
// client can no longer be written to.
func (e *eventWriter) send(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", StreamContentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		// Proxies such as nginx buffer answers unless told not to.
		h.Set("X-Accel-Buffering", "no")
		e.w.WriteHeader(http.StatusOK)
	}
	e.buf = append(e.buf[:0], "event: "...)
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, "\ndata: "...)
	e.buf = append(e.buf, data...)
	e.buf = append(e.buf, "\n\n"...)
	_ = e.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)) // unsupported by test recorders
	if _, err := e.w.Write(e.buf); err != nil {
		return err
	}
	return e.rc.Flush()
}
