package openaimetrics

// The backend's traces and logs, as the dashboards and the runbook query
// them: span names, span attribute keys and values, and the fields of the
// access log (the JSON line on stdout and the OTLP log record alike). They
// are declared here once, beside the metric contract.
//
// The OpenAI spans follow the OpenTelemetry GenAI semantic conventions
// (a gen_ai.client.inference span per API request, kind CLIENT); those
// conventions are still in development, so their keys are spelled here
// rather than taken from a semconv package that may rename them.

// Span names.
const (
	// SpanChatRequest is the SERVER span of one chat request to the API:
	// the method and the route.
	SpanChatRequest = "POST /api/assistant/chat"
	// OperationChat is gen_ai.operation.name of a chat completion, and the
	// first word of its CLIENT span's name (see ChatSpanName).
	OperationChat = "chat"
	// ProviderOpenAI is gen_ai.provider.name of the OpenAI spans.
	ProviderOpenAI = "openai"
)

// ChatSpanName is the name of the CLIENT span of one OpenAI API request:
// "{gen_ai.operation.name} {gen_ai.request.model}", e.g. "chat gpt-4o-mini".
func ChatSpanName(model string) string { return OperationChat + " " + model }

// Attribute keys of the OpenAI CLIENT spans: the GenAI conventions' keys,
// the general HTTP and server ones, and the backend's own (openai.*).
const (
	AttrGenAIOperationName         = "gen_ai.operation.name"
	AttrGenAIProviderName          = "gen_ai.provider.name"
	AttrGenAIRequestModel          = "gen_ai.request.model"
	AttrGenAIResponseModel         = "gen_ai.response.model"
	AttrGenAIResponseID            = "gen_ai.response.id"
	AttrGenAIResponseFinishReasons = "gen_ai.response.finish_reasons"
	AttrGenAIUsageInputTokens      = "gen_ai.usage.input_tokens"
	AttrGenAIUsageOutputTokens     = "gen_ai.usage.output_tokens"
	// AttrGenAIUsageCacheReadInputTokens and
	// AttrGenAIUsageReasoningOutputTokens are the parts of the input and
	// output tokens that the metrics count as token_type cached_input and
	// reasoning.
	AttrGenAIUsageCacheReadInputTokens  = "gen_ai.usage.cache_read.input_tokens"
	AttrGenAIUsageReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens"
	// AttrGenAIInputMessages and AttrGenAIOutputMessages carry the chat
	// messages and the reply, only when content capture is on
	// (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true), each
	// message's text cut to MaxCapturedMessageBytes.
	AttrGenAIInputMessages  = "gen_ai.input.messages"
	AttrGenAIOutputMessages = "gen_ai.output.messages"
	// AttrGenAIRequestStream is true on the span of a streamed attempt.
	AttrGenAIRequestStream = "gen_ai.request.stream"
	// AttrGenAIResponseTimeToFirstChunk is, on the span of a streamed
	// attempt that got a content chunk, the seconds from sending the
	// request to that first chunk: the time TimeToFirstTokenSeconds
	// records.
	AttrGenAIResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk"

	AttrServerAddress          = "server.address"
	AttrServerPort             = "server.port"
	AttrHTTPResponseStatusCode = "http.response.status_code"
	// AttrErrorType is on failed attempts only: one of ErrorTypes, the
	// error_type label of the metrics; the span's status is then Error.
	AttrErrorType = "error.type"

	// AttrOpenAIRequestID is OpenAI's x-request-id of the attempt, the id
	// OpenAI's support asks for.
	AttrOpenAIRequestID = "openai.request.id"
	// AttrOpenAIAttemptNumber is the attempt's number within its call,
	// from 1.
	AttrOpenAIAttemptNumber = "openai.attempt.number"
	// AttrOpenAIAttemptBackoffSeconds is how long the provider waited
	// before the attempt (Retry-After or its backoff); 0 on the first.
	AttrOpenAIAttemptBackoffSeconds = "openai.attempt.backoff_seconds"
	// AttrOpenAIStreamOutcome is how a streamed answer ended, one of
	// StreamOutcomes: on the CLIENT span of a streamed attempt, and on the
	// SERVER span of a streamed chat request (whose status is 200 whatever
	// the outcome, since the stream had begun).
	AttrOpenAIStreamOutcome = "openai.stream.outcome"
)

// Values of AttrOpenAIStreamOutcome and of the access log's LogFieldStream.
const (
	// StreamOutcomeDone: the answer was streamed whole (event done).
	StreamOutcomeDone = "done"
	// StreamOutcomeError: OpenAI failed (event error, or, for an attempt
	// span, a failed attempt).
	StreamOutcomeError = "error"
	// StreamOutcomeCancelled: the client went away and the call was
	// cancelled.
	StreamOutcomeCancelled = "cancelled"
)

// StreamOutcomes returns every value of AttrOpenAIStreamOutcome.
func StreamOutcomes() []string {
	return []string{StreamOutcomeDone, StreamOutcomeError, StreamOutcomeCancelled}
}

// MaxCapturedMessageBytes bounds the text of one captured message on a span,
// when content capture is on; a longer text is cut at a character boundary
// and ends with "…".
const MaxCapturedMessageBytes = 1024

// Fields of the access log: one record per request, with message
// LogMessageRequest. The OTLP log record carries the same fields as
// attributes, and the trace and span ids of the request's SERVER span.
const (
	LogMessageRequest = "request"

	LogFieldRequestID       = "request_id"
	LogFieldMethod          = "method"
	LogFieldPath            = "path"
	LogFieldStatus          = "status"
	LogFieldDurationMS      = "duration_ms"
	LogFieldBytes           = "bytes"
	LogFieldOpenAIRequestID = "openai_request_id"
	LogFieldOpenAIAttempts  = "openai_attempts"
	LogFieldErrorCode       = "error_code"
	// LogFieldStream is on the line of a streamed answer only: how the
	// stream ended, one of StreamOutcomes. Its status is 200 whatever the
	// outcome; an error event's code is LogFieldErrorCode.
	LogFieldStream = "stream"
)

// Fields of the line a chat request whose OpenAI call failed adds to its
// access log line (message LogMessageOpenAIFailed, at LogSeverityWarn), and
// of the line of an unexpected failure (at LogSeverityError): the request's
// id (LogFieldRequestID), the error type (one of ErrorTypes) and the error.
const (
	LogMessageOpenAIFailed = "OpenAI call failed"

	LogFieldErrorType = "error_type"
	LogFieldError     = "error"
)

// Severity texts of the backend's OTLP log records: the names of slog's
// levels, which the OTLP log bridge sets as a record's severity text. The
// access log line of a 5xx answer is LogSeverityError; a failed OpenAI call
// adds a LogSeverityWarn line.
const (
	LogSeverityDebug = "DEBUG"
	LogSeverityInfo  = "INFO"
	LogSeverityWarn  = "WARN"
	LogSeverityError = "ERROR"
)

// LogSeverities returns every severity text the backend's log records carry.
func LogSeverities() []string {
	return []string{LogSeverityDebug, LogSeverityInfo, LogSeverityWarn, LogSeverityError}
}

// LogFields returns every field of the backend's log lines.
func LogFields() []string {
	return []string{LogFieldRequestID, LogFieldMethod, LogFieldPath, LogFieldStatus, LogFieldDurationMS,
		LogFieldBytes, LogFieldOpenAIRequestID, LogFieldOpenAIAttempts, LogFieldErrorCode, LogFieldStream,
		LogFieldErrorType, LogFieldError}
}

// SpanAttributes returns every attribute key of the OpenAI CLIENT spans
// (AttrOpenAIStreamOutcome is on the SERVER span of a streamed request too).
func SpanAttributes() []string {
	return []string{
		AttrGenAIOperationName, AttrGenAIProviderName, AttrGenAIRequestModel, AttrGenAIResponseModel,
		AttrGenAIResponseID, AttrGenAIResponseFinishReasons, AttrGenAIUsageInputTokens, AttrGenAIUsageOutputTokens,
		AttrGenAIUsageCacheReadInputTokens, AttrGenAIUsageReasoningOutputTokens,
		AttrGenAIInputMessages, AttrGenAIOutputMessages, AttrGenAIRequestStream, AttrGenAIResponseTimeToFirstChunk,
		AttrServerAddress, AttrServerPort, AttrHTTPResponseStatusCode, AttrErrorType,
		AttrOpenAIRequestID, AttrOpenAIAttemptNumber, AttrOpenAIAttemptBackoffSeconds, AttrOpenAIStreamOutcome,
	}
}
