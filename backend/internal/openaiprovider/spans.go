package openaiprovider

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// maxSpanValueBytes bounds a value OpenAI sent (a model name, a response
// id, a finish reason) as a span attribute: a hostile answer cannot make a
// span large.
const maxSpanValueBytes = 256

// spans starts one CLIENT span per OpenAI API request, after the GenAI
// semantic conventions. Its attribute values known in advance are made once.
// A nil *spans starts none, and costs nothing.
type spans struct {
	tracer  trace.Tracer
	name    string
	start   []trace.SpanStartOption
	capture bool
}

// newSpans returns the spans of a provider asking model at baseURL, or nil
// when tp is nil.
func newSpans(tp trace.TracerProvider, model, baseURL string, capture bool) *spans {
	if tp == nil {
		return nil
	}
	attrs := []attribute.KeyValue{
		attribute.String(m.AttrGenAIOperationName, m.OperationChat),
		attribute.String(m.AttrGenAIProviderName, m.ProviderOpenAI),
		attribute.String(m.AttrGenAIRequestModel, model),
	}
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		attrs = append(attrs, attribute.String(m.AttrServerAddress, u.Hostname()))
		if port := defaultedPort(u); port > 0 {
			attrs = append(attrs, attribute.Int(m.AttrServerPort, port))
		}
	}
	return &spans{
		tracer:  tp.Tracer(instrumentationScope),
		name:    m.ChatSpanName(model),
		start:   []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...)},
		capture: capture,
	}
}

// defaultedPort is u's port, or its scheme's default.
func defaultedPort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	switch u.Scheme {
	case "https":
		return 443
	case "http":
		return 80
	}
	return 0
}

// attemptSpan is the span of one attempt; its zero value records nothing.
type attemptSpan struct {
	span    trace.Span
	capture bool
}

type attemptSpanKey struct{}

// startAttempt starts the span of attempt number attempt, which came after
// waiting backoff. The returned context holds it: the attempt's request is
// sent, and its metrics recorded, with that context.
func (s *spans) startAttempt(ctx context.Context, attempt int, backoff time.Duration, req *openai.ChatCompletionRequest) (context.Context, attemptSpan) {
	if s == nil {
		return ctx, attemptSpan{}
	}
	ctx, span := s.tracer.Start(ctx, s.name, s.start...)
	if !span.IsRecording() {
		return ctx, attemptSpan{}
	}
	span.SetAttributes(
		attribute.Int(m.AttrOpenAIAttemptNumber, attempt),
		attribute.Float64(m.AttrOpenAIAttemptBackoffSeconds, backoff.Seconds()),
	)
	if s.capture {
		span.SetAttributes(attribute.String(m.AttrGenAIInputMessages, inputMessages(req.Messages)))
	}
	return context.WithValue(ctx, attemptSpanKey{}, span), attemptSpan{span: span, capture: s.capture}
}

// noteAnswerStatus puts an answer's HTTP status on the attempt span that
// ctx holds, if any; the transport calls it for every answer, so the span
// tells the status of errors go-openai could not decode too.
func noteAnswerStatus(ctx context.Context, status int) {
	if span, ok := ctx.Value(attemptSpanKey{}).(trace.Span); ok {
		span.SetAttributes(attribute.Int(m.AttrHTTPResponseStatusCode, status))
	}
}

// succeeded ends the span of an attempt that brought a completion.
func (a attemptSpan) succeeded(resp *openai.ChatCompletionResponse, usage Usage, requestID string) {
	if a.span == nil {
		return
	}
	reasons := make([]string, len(resp.Choices))
	for i, c := range resp.Choices {
		reasons[i] = cut(string(c.FinishReason), maxSpanValueBytes)
	}
	a.span.SetAttributes(
		attribute.String(m.AttrGenAIResponseModel, cut(resp.Model, maxSpanValueBytes)),
		attribute.String(m.AttrGenAIResponseID, cut(resp.ID, maxSpanValueBytes)),
		attribute.StringSlice(m.AttrGenAIResponseFinishReasons, reasons),
		attribute.Int64(m.AttrGenAIUsageInputTokens, usage.InputTokens),
		attribute.Int64(m.AttrGenAIUsageOutputTokens, usage.OutputTokens),
	)
	if requestID != "" {
		a.span.SetAttributes(attribute.String(m.AttrOpenAIRequestID, cut(requestID, maxSpanValueBytes)))
	}
	if a.capture {
		a.span.SetAttributes(attribute.String(m.AttrGenAIOutputMessages, outputMessages(resp.Choices)))
	}
	a.span.End()
}

// failed ends the span of a failed attempt: error.type is the metrics'
// error_type and the status is Error, described by the error type alone
// (OpenAI's message text may quote the key).
func (a attemptSpan) failed(errorType, requestID string) {
	if a.span == nil {
		return
	}
	a.span.SetAttributes(attribute.String(m.AttrErrorType, errorType))
	if requestID != "" {
		a.span.SetAttributes(attribute.String(m.AttrOpenAIRequestID, cut(requestID, maxSpanValueBytes)))
	}
	a.span.SetStatus(codes.Error, errorType)
	a.span.End()
}

// capturedMessage is a message as gen_ai.input.messages and
// gen_ai.output.messages hold it.
type capturedMessage struct {
	Role         string         `json:"role"`
	Parts        []capturedPart `json:"parts"`
	FinishReason string         `json:"finish_reason,omitempty"`
}

type capturedPart struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

func inputMessages(msgs []openai.ChatCompletionMessage) string {
	out := make([]capturedMessage, len(msgs))
	for i, msg := range msgs {
		out[i] = capturedMessage{Role: msg.Role, Parts: []capturedPart{{Type: "text", Content: cut(msg.Content, m.MaxCapturedMessageBytes)}}}
	}
	return marshal(out)
}

func outputMessages(choices []openai.ChatCompletionChoice) string {
	out := make([]capturedMessage, len(choices))
	for i, c := range choices {
		out[i] = capturedMessage{
			Role:         cut(c.Message.Role, maxSpanValueBytes),
			Parts:        []capturedPart{{Type: "text", Content: cut(c.Message.Content, m.MaxCapturedMessageBytes)}},
			FinishReason: cut(string(c.FinishReason), maxSpanValueBytes),
		}
	}
	return marshal(out)
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// cut shortens s to at most n bytes, at a character boundary, ending in "…"
// when it was longer.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	end := n - len(ellipsis)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + ellipsis
}
