package openaiprovider

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"sync"
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
	tracer trace.Tracer
	name   string
	start  []trace.SpanStartOption
	// streamStart starts the span of a streamed attempt: start's
	// attributes and gen_ai.request.stream.
	streamStart []trace.SpanStartOption
	capture     bool
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
	streamAttrs := append(slices.Clone(attrs), attribute.Bool(m.AttrGenAIRequestStream, true))
	return &spans{
		tracer:      tp.Tracer(instrumentationScope),
		name:        m.ChatSpanName(model),
		start:       []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...)},
		streamStart: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(streamAttrs...)},
		capture:     capture,
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
	state   *attemptState
	capture bool
}

// attemptState is what an attempt's span is told before it ends; all of it
// is set on the span at its end, in one call.
type attemptState struct {
	attempt int
	backoff time.Duration
	// status is the answer's HTTP status; zero before an answer came.
	status int
}

type attemptStateKey struct{}

// maxAttemptSpanAttrs is the most attributes an attempt span gets at its end.
const maxAttemptSpanAttrs = 16

// attemptAttrBuffers holds the buffers the attributes of an attempt span's
// end are gathered in; the SDK copies them, so a buffer is reused at once.
var attemptAttrBuffers = sync.Pool{New: func() any { return new([maxAttemptSpanAttrs]attribute.KeyValue) }}

// startAttempt starts the span of attempt number attempt, which came after
// waiting backoff. The returned context holds it: the attempt's request is
// sent, and its metrics recorded, with that context.
func (s *spans) startAttempt(ctx context.Context, attempt int, backoff time.Duration, req *openai.ChatCompletionRequest) (context.Context, attemptSpan) {
	if s == nil {
		return ctx, attemptSpan{}
	}
	start := s.start
	if req.Stream {
		start = s.streamStart
	}
	ctx, span := s.tracer.Start(ctx, s.name, start...)
	if !span.IsRecording() {
		return ctx, attemptSpan{}
	}
	if s.capture {
		span.SetAttributes(attribute.String(m.AttrGenAIInputMessages, inputMessages(req.Messages)))
	}
	state := &attemptState{attempt: attempt, backoff: backoff}
	return context.WithValue(ctx, attemptStateKey{}, state), attemptSpan{span: span, state: state, capture: s.capture}
}

// noteAnswerStatus tells the attempt span that ctx holds, if any, the HTTP
// status of its answer; the transport calls it for every answer, so the
// span tells the status of errors go-openai could not decode too.
func noteAnswerStatus(ctx context.Context, status int) {
	if state, ok := ctx.Value(attemptStateKey{}).(*attemptState); ok {
		state.status = status
	}
}

// attemptAttrs returns a buffer from attemptAttrBuffers and the attempt's
// own attributes in it, for the caller to append to and pass to end.
func (a attemptSpan) attemptAttrs() (*[maxAttemptSpanAttrs]attribute.KeyValue, []attribute.KeyValue) {
	buf := attemptAttrBuffers.Get().(*[maxAttemptSpanAttrs]attribute.KeyValue)
	attrs := append(buf[:0],
		attribute.Int(m.AttrOpenAIAttemptNumber, a.state.attempt),
		attribute.Float64(m.AttrOpenAIAttemptBackoffSeconds, a.state.backoff.Seconds()),
	)
	if a.state.status != 0 {
		attrs = append(attrs, attribute.Int(m.AttrHTTPResponseStatusCode, a.state.status))
	}
	return buf, attrs
}

// end sets attrs on the span, gives their buffer back and ends the span.
func (a attemptSpan) end(buf *[maxAttemptSpanAttrs]attribute.KeyValue, attrs []attribute.KeyValue) {
	a.span.SetAttributes(attrs...)
	clear(buf[:])
	attemptAttrBuffers.Put(buf)
	a.span.End()
}

// singleFinishReasons are the gen_ai.response.finish_reasons of an answer
// with one choice and one of OpenAI's reasons, made once.
var singleFinishReasons = func() map[openai.FinishReason]attribute.KeyValue {
	out := map[openai.FinishReason]attribute.KeyValue{}
	for _, r := range []openai.FinishReason{openai.FinishReasonStop, openai.FinishReasonLength,
		openai.FinishReasonFunctionCall, openai.FinishReasonToolCalls, openai.FinishReasonContentFilter,
		openai.FinishReasonNull} {
		out[r] = attribute.StringSlice(m.AttrGenAIResponseFinishReasons, []string{string(r)})
	}
	return out
}()

func finishReasons(choices []openai.ChatCompletionChoice) attribute.KeyValue {
	if len(choices) == 1 {
		if kv, ok := singleFinishReasons[choices[0].FinishReason]; ok {
			return kv
		}
	}
	reasons := make([]string, len(choices))
	for i, c := range choices {
		reasons[i] = cut(string(c.FinishReason), maxSpanValueBytes)
	}
	return attribute.StringSlice(m.AttrGenAIResponseFinishReasons, reasons)
}

// succeeded ends the span of an attempt that brought a completion. The
// usage attributes are the metrics' token counts: input and output, and
// their parts read from the prompt cache and spent reasoning (0 when the
// usage has no details).
func (a attemptSpan) succeeded(resp *openai.ChatCompletionResponse, usage Usage, requestID string) {
	if a.span == nil {
		return
	}
	buf, attrs := a.attemptAttrs()
	attrs = append(attrs,
		attribute.String(m.AttrGenAIResponseModel, cut(resp.Model, maxSpanValueBytes)),
		attribute.String(m.AttrGenAIResponseID, cut(resp.ID, maxSpanValueBytes)),
		finishReasons(resp.Choices),
		attribute.Int64(m.AttrGenAIUsageInputTokens, usage.InputTokens),
		attribute.Int64(m.AttrGenAIUsageOutputTokens, usage.OutputTokens),
		attribute.Int64(m.AttrGenAIUsageCacheReadInputTokens, usage.CachedInputTokens),
		attribute.Int64(m.AttrGenAIUsageReasoningOutputTokens, usage.ReasoningTokens),
	)
	if requestID != "" {
		attrs = append(attrs, attribute.String(m.AttrOpenAIRequestID, cut(requestID, maxSpanValueBytes)))
	}
	if a.capture {
		attrs = append(attrs, attribute.String(m.AttrGenAIOutputMessages, outputMessages(resp.Choices)))
	}
	a.end(buf, attrs)
}

// failed ends the span of an attempt that failed with kind: error.type is
// the kind's Label, the metrics' error_type, and the status is Error,
// described by that label alone (OpenAI's message text may quote the key).
func (a attemptSpan) failed(kind ErrorKind, requestID string) {
	if a.span == nil {
		return
	}
	errorType := kind.Label()
	a.span.SetStatus(codes.Error, errorType)
	buf, attrs := a.attemptAttrs()
	attrs = append(attrs, attribute.String(m.AttrErrorType, errorType))
	if requestID != "" {
		attrs = append(attrs, attribute.String(m.AttrOpenAIRequestID, cut(requestID, maxSpanValueBytes)))
	}
	a.end(buf, attrs)
}

// streamOutcomes are the openai.stream.outcome attributes, made once.
var streamOutcomes = map[string]attribute.KeyValue{
	m.StreamOutcomeDone:      attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeDone),
	m.StreamOutcomeError:     attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeError),
	m.StreamOutcomeCancelled: attribute.String(m.AttrOpenAIStreamOutcome, m.StreamOutcomeCancelled),
}

// streamEnded ends the span of a streamed attempt that did not fail: its
// outcome is m.StreamOutcomeDone, or m.StreamOutcomeCancelled (no failure:
// no error.type).
func (a attemptSpan) streamEnded(res *streamResult, outcome, requestID string) {
	a.endStream(res, outcome, "", requestID)
}

// streamFailed ends the span of a streamed attempt that failed with kind:
// error.type and status Error as failed sets them.
func (a attemptSpan) streamFailed(res *streamResult, kind ErrorKind, requestID string) {
	a.endStream(res, m.StreamOutcomeError, kind.Label(), requestID)
}

// endStream ends the span of a streamed attempt, whatever its outcome (one
// of openaimetrics.StreamOutcomes): what the chunks told (the model, the
// id, the finish reasons, the usage when its chunk came, the time to the
// first content chunk), and errorType, the Label of the failure's kind, ""
// when the attempt did not fail.
func (a attemptSpan) endStream(res *streamResult, outcome, errorType, requestID string) {
	if a.span == nil {
		return
	}
	if errorType != "" {
		a.span.SetStatus(codes.Error, errorType)
	}
	buf, attrs := a.attemptAttrs()
	attrs = append(attrs, streamOutcomes[outcome])
	if res.firstToken {
		attrs = append(attrs, attribute.Float64(m.AttrGenAIResponseTimeToFirstChunk, res.timeToFirstToken.Seconds()))
	}
	if res.model != "" {
		attrs = append(attrs, attribute.String(m.AttrGenAIResponseModel, cut(res.model, maxSpanValueBytes)))
	}
	if res.id != "" {
		attrs = append(attrs, attribute.String(m.AttrGenAIResponseID, cut(res.id, maxSpanValueBytes)))
	}
	if res.finishReason != "" {
		attrs = append(attrs, finishReasons([]openai.ChatCompletionChoice{{FinishReason: res.finishReason}}))
	}
	if res.gotUsage {
		attrs = append(attrs,
			attribute.Int64(m.AttrGenAIUsageInputTokens, res.usage.InputTokens),
			attribute.Int64(m.AttrGenAIUsageOutputTokens, res.usage.OutputTokens),
			attribute.Int64(m.AttrGenAIUsageCacheReadInputTokens, res.usage.CachedInputTokens),
			attribute.Int64(m.AttrGenAIUsageReasoningOutputTokens, res.usage.ReasoningTokens),
		)
	}
	if errorType != "" {
		attrs = append(attrs, attribute.String(m.AttrErrorType, errorType))
	}
	if requestID != "" {
		attrs = append(attrs, attribute.String(m.AttrOpenAIRequestID, cut(requestID, maxSpanValueBytes)))
	}
	if a.capture && res.reply.Len() > 0 {
		attrs = append(attrs, attribute.String(m.AttrGenAIOutputMessages, outputMessages([]openai.ChatCompletionChoice{{
			Message:      openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: res.reply.String()},
			FinishReason: res.finishReason,
		}})))
	}
	a.end(buf, attrs)
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
