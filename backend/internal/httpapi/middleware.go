package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// requestState is what a request's handlers tell its access-log line.
type requestState struct {
	id              string
	errorCode       string
	openAIRequestID string
	openAIAttempts  int
	// stream is how a streamed answer ended (openaimetrics.StreamOutcomes);
	// empty for an answer that is not streamed.
	stream string
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	s, _ := ctx.Value(stateKey{}).(*requestState)
	return s
}

func noteErrorCode(ctx context.Context, code string) {
	if s := stateFrom(ctx); s != nil {
		s.errorCode = code
	}
}

// RequestIDHeader carries the request id, taken from the client when it sent
// a sensible one, else made here; it is echoed on the response.
const RequestIDHeader = "X-Request-Id"

// newRequestID returns 16 random hex characters.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// clientRequestID accepts a client's id when it is short and plain.
func clientRequestID(v string) (string, bool) {
	if v == "" || len(v) > 64 {
		return "", false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", false
		}
	}
	return v, true
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id and logs one line when it ends: id,
// method, path, status, duration and OpenAI's request id, with the request's
// context (its SERVER span, when traced, so an OTLP record carries the trace
// and span ids). It never logs a header value but those, nor any part of the
// body. The field names are the contract's (openaimetrics.LogField*).
func observe(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id, ok := clientRequestID(r.Header.Get(RequestIDHeader))
		if !ok {
			id = newRequestID()
		}
		state := &requestState{id: id}
		w.Header().Set(RequestIDHeader, id)
		sw, ok := w.(*statusWriter) // traced's, when the request is traced
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), stateKey{}, state)))

		var buf [10]slog.Attr // all the line's fields, on the stack
		attrs := append(buf[:0],
			slog.String(m.LogFieldRequestID, id),
			slog.String(m.LogFieldMethod, r.Method),
			slog.String(m.LogFieldPath, r.URL.Path),
			slog.Int(m.LogFieldStatus, sw.status),
			slog.Float64(m.LogFieldDurationMS, float64(time.Since(start).Microseconds())/1000),
			slog.Int64(m.LogFieldBytes, sw.bytes),
		)
		if state.openAIRequestID != "" {
			attrs = append(attrs, slog.String(m.LogFieldOpenAIRequestID, state.openAIRequestID))
		}
		if state.openAIAttempts > 0 {
			attrs = append(attrs, slog.Int(m.LogFieldOpenAIAttempts, state.openAIAttempts))
		}
		if state.errorCode != "" {
			attrs = append(attrs, slog.String(m.LogFieldErrorCode, state.errorCode))
		}
		if state.stream != "" {
			attrs = append(attrs, slog.String(m.LogFieldStream, state.stream))
		}
		level := slog.LevelInfo
		if sw.status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		logger.LogAttrs(r.Context(), level, m.LogMessageRequest, attrs...)
	})
}

// recoverPanics answers 500 when a handler panics, and logs the panic with
// its stack.
func recoverPanics(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			logger.LogAttrs(r.Context(), slog.LevelError, "handler panicked",
				slog.String("request_id", stateFrom(r.Context()).idOrEmpty()),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				return // the response has begun; nothing sensible can follow
			}
			writeError(w, r, http.StatusInternalServerError, CodeInternal,
				"internal error: the server failed to handle the request; retry, and report the request id if it persists")
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *requestState) idOrEmpty() string {
	if s == nil {
		return ""
	}
	return s.id
}
