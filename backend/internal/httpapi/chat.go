package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// chatRequest is the body of POST /api/assistant/chat.
type chatRequest struct {
	Message string     `json:"message"`
	Items   []chatItem `json:"items"`
	// Stream asks for the answer as a stream of events (streamwire.go).
	Stream bool `json:"stream"`
}

type chatItem struct {
	ItemID       string `json:"itemId"`
	CurrentTitle string `json:"currentTitle"`
}

// chatResponse is the answer of POST /api/assistant/chat.
type chatResponse struct {
	Reply string    `json:"reply"`
	Model string    `json:"model"`
	Usage ChatUsage `json:"usage"`
}

// ChatUsage is the usage of an answer, streamed or not.
type ChatUsage struct {
	InputTokens  int64 `json:"inputTokens"`
	OutputTokens int64 `json:"outputTokens"`
	TotalTokens  int64 `json:"totalTokens"`
}

// requestError is a bad request: its status, code and what to fix.
type requestError struct {
	status  int
	code    string
	message string
}

func badRequest(code, format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	if !h.keys.authenticate(w, r) {
		return
	}
	// Before the body is read: a refused request costs nothing more.
	if !h.inFlight.acquire() {
		h.inFlight.refuse(w, r)
		return
	}
	defer h.inFlight.release()
	q, stream, rerr := h.readChatRequest(w, r)
	if rerr != nil {
		writeError(w, r, rerr.status, rerr.code, rerr.message)
		return
	}
	if stream {
		h.streamChat(w, r, q)
		return
	}
	// The OpenAI call outlives a client that hangs up: its tokens are billed
	// and its metrics recorded either way. The provider's timeout bounds it.
	answer, err := h.assistant.Ask(context.WithoutCancel(r.Context()), q)
	if err != nil {
		h.writeProviderError(w, r, err)
		return
	}
	if s := stateFrom(r.Context()); s != nil {
		s.openAIRequestID, s.openAIAttempts = answer.OpenAIRequestID, answer.Attempts
	}
	writeJSON(w, http.StatusOK, chatResponse{Reply: answer.Reply, Model: answer.Model, Usage: chatUsage(answer.Usage)})
}

// chatUsage is the usage of an answer as the API tells it.
func chatUsage(u openaiprovider.Usage) ChatUsage {
	return ChatUsage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
}

// readChatRequest checks the content type, size and shape of the body.
// It returns the question and whether the answer is to be streamed.
func (h *handler) readChatRequest(w http.ResponseWriter, r *http.Request) (assistant.Question, bool, *requestError) {
	if mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mediaType != "application/json" {
		return assistant.Question{}, false, &requestError{http.StatusUnsupportedMediaType, CodeUnsupportedMediaType,
			"the body must be JSON: send the header \"Content-Type: application/json\""}
	}
	tooLarge := &requestError{http.StatusRequestEntityTooLarge, CodeBodyTooLarge,
		fmt.Sprintf("the body is larger than %d bytes: shorten the message or send fewer items", h.limits.MaxBodyBytes)}
	if r.ContentLength > h.limits.MaxBodyBytes {
		return assistant.Question{}, false, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limits.MaxBodyBytes))
	if err != nil {
		return assistant.Question{}, false, decodeError(err, tooLarge)
	}
	// encoding/json would read invalid UTF-8, and escapes of lone UTF-16
	// surrogates, as U+FFFD: the question would not be what was sent.
	if !utf8.Valid(body) {
		return assistant.Question{}, false, badRequest(CodeInvalidUTF8,
			"the body is not valid UTF-8 (at byte %d): send the JSON encoded as UTF-8", invalidUTF8At(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req chatRequest
	if err := dec.Decode(&req); err != nil {
		return assistant.Question{}, false, decodeError(err, tooLarge)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return assistant.Question{}, false, badRequest(CodeInvalidJSON, "the body must hold one JSON object and nothing after it")
	}
	if at := loneSurrogateAt(body); at >= 0 {
		return assistant.Question{}, false, badRequest(CodeInvalidUTF8,
			"the body's string escape %s (at byte %d) is half of a UTF-16 surrogate pair: "+
				"escape a character beyond U+FFFF as its pair, such as \\ud83d\\ude00, or send it as UTF-8", body[at:at+6], at)
	}
	q, rerr := h.validate(req)
	return q, req.Stream, rerr
}

// decodeError explains a JSON decoding failure.
func decodeError(err error, tooLarge *requestError) *requestError {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return tooLarge
	case errors.Is(err, io.EOF):
		return badRequest(CodeInvalidJSON, `the body is empty: send a JSON object such as {"message": "...", "items": []}`)
	case errors.As(err, &syntaxErr):
		return badRequest(CodeInvalidJSON, "the body is not valid JSON (at byte %d): send a JSON object", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(CodeInvalidJSON, "the body ends in the middle of its JSON: send a whole JSON object")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return badRequest(CodeInvalidJSON, "the body must be a JSON object, not %s", typeErr.Value)
		}
		return badRequest(CodeInvalidJSON, "field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return badRequest(CodeUnknownField, "unknown field %s: the body takes \"message\", \"items\" and \"stream\", each item \"itemId\" and \"currentTitle\"", field)
	default:
		return badRequest(CodeInvalidJSON, "the body could not be read as JSON: send a JSON object")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	default:
		return "a " + goKind
	}
}

// validate checks the fields' presence and lengths; lengths count characters.
func (h *handler) validate(req chatRequest) (assistant.Question, *requestError) {
	msg := strings.TrimSpace(req.Message)
	switch {
	case msg == "":
		return assistant.Question{}, badRequest(CodeMessageRequired, "\"message\" is empty: say what you want, e.g. \"Generate a listing title for this item\"")
	case utf8.RuneCountInString(msg) > h.limits.MaxMessageChars:
		return assistant.Question{}, badRequest(CodeMessageTooLong, "\"message\" has %d characters: send at most %d",
			utf8.RuneCountInString(msg), h.limits.MaxMessageChars)
	case len(req.Items) > h.limits.MaxItems:
		return assistant.Question{}, badRequest(CodeTooManyItems, "%d items: send at most %d per request", len(req.Items), h.limits.MaxItems)
	}
	q := assistant.Question{Message: msg, Items: make([]assistant.Item, len(req.Items))}
	for i, it := range req.Items {
		id, title := strings.TrimSpace(it.ItemID), strings.TrimSpace(it.CurrentTitle)
		if id == "" {
			return assistant.Question{}, badRequest(CodeItemIDRequired, "items[%d].itemId is empty: give each item its id", i)
		}
		for _, f := range [...]struct{ name, value string }{{"itemId", id}, {"currentTitle", title}} {
			if n := utf8.RuneCountInString(f.value); n > h.limits.MaxItemFieldLen {
				return assistant.Question{}, badRequest(CodeItemFieldTooLong, "items[%d].%s has %d characters: send at most %d",
					i, f.name, n, h.limits.MaxItemFieldLen)
			}
		}
		q.Items[i] = assistant.Item{ItemID: id, CurrentTitle: title}
	}
	return q, nil
}

// writeProviderError answers an OpenAI failure with its kind's status and
// code (providerAnswers), and a 429 with Retry-After when OpenAI sent one.
func (h *handler) writeProviderError(w http.ResponseWriter, r *http.Request, err error) {
	perr, ok := h.providerFailed(r, err)
	if !ok {
		writeError(w, r, http.StatusInternalServerError, CodeInternal, internalAssistantMessage)
		return
	}
	a := providerAnswerOf(perr)
	if a.status == http.StatusTooManyRequests && perr.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(perr.RetryAfter.Seconds()))))
	}
	writeError(w, r, a.status, a.code, a.message)
}

const internalAssistantMessage = "internal error: the assistant failed; retry later"

// providerFailed logs a failed call and tells the access log its OpenAI
// request id and attempts. It returns the OpenAI failure, or false for a
// failure of another kind, logged as an error.
func (h *handler) providerFailed(r *http.Request, err error) (*openaiprovider.Error, bool) {
	var perr *openaiprovider.Error
	if !errors.As(err, &perr) {
		h.logger.ErrorContext(r.Context(), "assistant failed", m.LogFieldRequestID, stateFrom(r.Context()).idOrEmpty(), m.LogFieldError, err)
		return nil, false
	}
	if s := stateFrom(r.Context()); s != nil {
		s.openAIRequestID, s.openAIAttempts = perr.RequestID, perr.Attempts
	}
	h.logger.WarnContext(r.Context(), m.LogMessageOpenAIFailed,
		m.LogFieldRequestID, stateFrom(r.Context()).idOrEmpty(), m.LogFieldErrorType, perr.Kind.Label(), m.LogFieldError, perr.Error())
	return perr, true
}

// providerAnswer is how the API tells a client that OpenAI failed.
type providerAnswer struct {
	status  int
	code    string
	message string
}

// providerAnswers is the answer to each kind of OpenAI failure: the one
// mapping of a kind to the API's status and code.
var providerAnswers = map[openaiprovider.ErrorKind]providerAnswer{
	openaiprovider.KindRateLimited: {http.StatusTooManyRequests, CodeOpenAIRateLimited,
		"OpenAI's rate limit is reached: retry later"},
	openaiprovider.KindProviderUnavailable: {http.StatusServiceUnavailable, CodeProviderUnavailable,
		"OpenAI is unavailable or did not answer in time: retry later"},
	openaiprovider.KindUnauthorized: {http.StatusBadGateway, CodeOpenAIUnauthorized,
		"OpenAI rejected the server's API key: the operator must check OPENAI_API_KEY"},
	openaiprovider.KindProviderError: {http.StatusBadGateway, CodeProviderError,
		"OpenAI could not answer this request"},
}

// providerAnswerOf is the answer to perr, by its kind.
func providerAnswerOf(perr *openaiprovider.Error) providerAnswer {
	if a, ok := providerAnswers[perr.Kind]; ok {
		return a
	}
	return providerAnswers[openaiprovider.KindProviderError]
}
