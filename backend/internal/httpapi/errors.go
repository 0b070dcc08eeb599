package httpapi

import (
	"encoding/json"
	"net/http"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Error codes of the API's JSON errors; the README lists each with its
// status and when it is sent.
const (
	CodeInvalidJSON  = "INVALID_JSON"
	CodeUnknownField = "UNKNOWN_FIELD"
	// CodeInvalidUTF8: the body is not valid UTF-8, or one of its strings
	// escapes half of a UTF-16 surrogate pair (\ud800 alone): text that
	// would reach the model altered.
	CodeInvalidUTF8          = "INVALID_UTF8"
	CodeMessageRequired      = "MESSAGE_REQUIRED"
	CodeMessageTooLong       = "MESSAGE_TOO_LONG"
	CodeTooManyItems         = "TOO_MANY_ITEMS"
	CodeItemIDRequired       = "ITEM_ID_REQUIRED"
	CodeItemFieldTooLong     = "ITEM_FIELD_TOO_LONG"
	CodeBodyTooLarge         = "BODY_TOO_LARGE"
	CodeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	CodeMissingAPIKey        = "MISSING_API_KEY"
	CodeInvalidAPIKey        = "INVALID_API_KEY"
	CodeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	CodeNotFound             = "NOT_FOUND"
	CodeInternal             = "INTERNAL_ERROR"
	CodeShuttingDown         = "SHUTTING_DOWN"
	// CodeOverloaded: the server is handling as many chat requests as it
	// may (MAX_IN_FLIGHT_REQUESTS); 503 with Retry-After.
	CodeOverloaded = "OVERLOADED"
	// CodeTooManyConnections: every connection the server may hold
	// (MAX_CONNECTIONS) has a request in flight; a raw 503 with Retry-After,
	// and the connection is closed.
	CodeTooManyConnections = "TOO_MANY_CONNECTIONS"
)

// Codes of OpenAI's failures, one per openaiprovider.ErrorKind
// (providerAnswers): each is its kind's error_type label value of the metric
// contract, so that a client's error and the dashboards name the same thing.
const (
	// CodeOpenAIUnauthorized: OpenAI rejected the server's key; 502.
	CodeOpenAIUnauthorized = m.ErrorUnauthorized
	// CodeOpenAIRateLimited: OpenAI's rate limit; 429, with Retry-After
	// when OpenAI sent one.
	CodeOpenAIRateLimited = m.ErrorRateLimited
	// CodeProviderUnavailable: OpenAI answered 5xx, or not in time; 503.
	CodeProviderUnavailable = m.ErrorProviderUnavailable
	// CodeProviderError: any other OpenAI failure; 502.
	CodeProviderError = m.ErrorProviderError
)

// apiError is the body of every error: {"error":{"code":"...","message":"..."}}.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with a JSON error and records its code for the access log.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	noteErrorCode(r.Context(), code)
	writeJSON(w, status, apiError{Error: errorBody{Code: code, Message: message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
