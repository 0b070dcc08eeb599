package openaisim

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Response headers every answer carries.
const (
	headerRequestID      = "x-request-id"
	headerProcessingMS   = "openai-processing-ms"
	headerContentType    = "Content-Type"
	contentTypeJSON      = "application/json"
	contentTypeHTML      = "text/html"
	maxLoggedModelLength = 64
)

// exchange is one request being answered: it writes the answer with the
// headers every answer carries, and records how it ended.
type exchange struct {
	w         http.ResponseWriter
	method    string
	path      string
	start     time.Time
	requestID string
	chat      bool // counted in Stats

	status int
	model  string
	fault  Fault
	usage  *usage
	// stream tells that the answer is streamed; ended, when set, is how a
	// stream that started ended short of its [DONE].
	stream bool
	ended  *outcome
	// cut asks ServeHTTP to abort the connection once the request is
	// counted.
	cut bool
}

func (s *Server) begin(w http.ResponseWriter, r *http.Request) *exchange {
	ex := &exchange{
		w:         w,
		method:    r.Method,
		path:      r.URL.Path,
		start:     time.Now(),
		requestID: "req_" + s.ids.hex32(),
	}
	w.Header().Set(headerRequestID, ex.requestID)
	return ex
}

// writeJSON answers status with v as its JSON body.
func (ex *exchange) writeJSON(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types are written; they always marshal.
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"message":"The simulator could not encode its answer.","type":"server_error","param":null,"code":null}}`)
	}
	ex.write(status, contentTypeJSON, body)
}

// fail answers with OpenAI's error JSON.
func (ex *exchange) fail(f failure) {
	ex.writeJSON(f.status, errorBody{Error: f.body})
}

// writeHTML answers status with the proxy's HTML page, as nginx would.
func (ex *exchange) writeHTML(status int) {
	ex.write(status, contentTypeHTML, []byte(proxyPage(status)))
}

func (ex *exchange) write(status int, contentType string, body []byte) {
	h := ex.w.Header()
	h.Set(headerContentType, contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(headerProcessingMS, strconv.FormatInt(time.Since(ex.start).Milliseconds(), 10))
	ex.w.WriteHeader(status)
	ex.status = status
	_, _ = ex.w.Write(body) // a client that went away is not the server's error
}

// abandon records that the client went away before the answer.
func (ex *exchange) abandon() {
	ex.status = statusClientClosed
}

// maxLogAttrs is the most attributes a request's log line has.
const maxLogAttrs = 13

// finish counts and logs the request once it has ended.
func (s *Server) finish(ctx context.Context, ex *exchange) {
	attrs := make([]slog.Attr, 0, maxLogAttrs)
	attrs = append(attrs,
		slog.String("request_id", ex.requestID),
		slog.String("method", ex.method),
		slog.String("path", ex.path),
		slog.Int("status", ex.status),
		slog.Float64("duration_ms", float64(time.Since(ex.start).Microseconds())/1000),
	)
	if ex.chat {
		o := outcomeOf(ex.status)
		if ex.ended != nil {
			o = *ex.ended
		}
		s.stats.outcomes[o].Add(1)
		attrs = append(attrs, slog.String("outcome", o.String()))
	}
	if ex.model != "" {
		model := ex.model
		if len(model) > maxLoggedModelLength {
			model = model[:maxLoggedModelLength]
		}
		attrs = append(attrs, slog.String("model", model))
	}
	if ex.stream {
		attrs = append(attrs, slog.Bool("stream", true))
	}
	if ex.fault != FaultNone {
		attrs = append(attrs, slog.String("fault", ex.fault.String()))
	}
	if ex.usage != nil {
		attrs = append(attrs,
			slog.Int("prompt_tokens", ex.usage.PromptTokens),
			slog.Int("completion_tokens", ex.usage.CompletionTokens),
			slog.Int("cached_tokens", ex.usage.PromptTokensDetails.CachedTokens),
			slog.Int("reasoning_tokens", ex.usage.CompletionTokensDetails.ReasoningTokens),
		)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
}
