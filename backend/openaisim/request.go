package openaisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const (
	// maxRequestBytes bounds a request body; images sent inline as base64
	// fit.
	maxRequestBytes = 16 << 20
	// maxChoices is the largest n OpenAI accepts.
	maxChoices = 128
)

// chatInput is a valid chat completion request, reduced to what the
// simulator answers from.
type chatInput struct {
	model     string
	messages  []promptMessage
	maxTokens int // 0: no limit
	n         int
	// reasoning tells that the model is a reasoning model.
	reasoning bool
	// stream asks for the answer as server-sent events; includeUsage for
	// their last chunk to carry the usage.
	stream       bool
	includeUsage bool
}

// decodeChatRequest reads and validates a chat completion request, or
// returns the 4xx OpenAI would answer.
func decodeChatRequest(w http.ResponseWriter, r *http.Request) (chatInput, *failure) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	var req chatRequest
	if err := dec.Decode(&req); err != nil {
		return chatInput{}, decodeFailure(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		f := errUnparsableJSON() // more than one JSON value
		return chatInput{}, &f
	}
	return validate(req)
}

func decodeFailure(err error) *failure {
	var tooLarge *http.MaxBytesError
	var wrongType *json.UnmarshalTypeError
	var f failure
	switch {
	case errors.As(err, &tooLarge):
		f = errBodyTooLarge(tooLarge.Limit)
	case errors.As(err, &wrongType) && wrongType.Field != "":
		f = errInvalidType(wrongType.Field, jsonTypeOf(wrongType.Type.Kind().String()), describeJSONValue(wrongType.Value))
	default:
		f = errUnparsableJSON()
	}
	return &f
}

func validate(req chatRequest) (chatInput, *failure) {
	fail := func(f failure) (chatInput, *failure) { return chatInput{}, &f }
	if req.Model == "" {
		return fail(errMissingModel())
	}
	if req.Messages == nil {
		return fail(errMissingParameter("messages"))
	}
	if len(req.Messages) == 0 {
		return fail(errEmptyMessages())
	}
	if req.StreamOptions != nil && !req.Stream {
		return fail(errStreamOptionsWithoutStream())
	}
	in := chatInput{
		model:     req.Model,
		messages:  make([]promptMessage, 0, len(req.Messages)),
		n:         1,
		reasoning: isReasoningModel(req.Model),
		stream:    req.Stream,
	}
	if req.StreamOptions != nil {
		in.includeUsage = req.StreamOptions.IncludeUsage
	}
	for i, m := range req.Messages {
		param := "messages[" + strconv.Itoa(i) + "]"
		if m.Role == "" {
			return fail(errMissingParameter(param + ".role"))
		}
		if !validRole(m.Role) {
			return fail(errInvalidRole(param+".role", m.Role))
		}
		pm, bad := parseContent(param+".content", m)
		if bad != nil {
			return chatInput{}, bad
		}
		in.messages = append(in.messages, pm)
	}
	if in.reasoning && req.MaxTokens != nil {
		// OpenAI's reasoning models take only max_completion_tokens, which
		// bounds the reasoning too.
		return fail(errUnsupportedParameter("max_tokens", "max_completion_tokens"))
	}
	switch {
	case req.MaxCompletionTokens != nil:
		if *req.MaxCompletionTokens < 1 {
			return fail(errBelowMinimum("max_completion_tokens", *req.MaxCompletionTokens, 1))
		}
		in.maxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		if *req.MaxTokens < 1 {
			return fail(errBelowMinimum("max_tokens", *req.MaxTokens, 1))
		}
		in.maxTokens = *req.MaxTokens
	}
	if req.N != nil {
		switch {
		case *req.N < 1:
			return fail(errBelowMinimum("n", *req.N, 1))
		case *req.N > maxChoices:
			return fail(errAboveMaximum("n", *req.N, maxChoices))
		}
		in.n = *req.N
	}
	return in, nil
}

func validRole(role string) bool {
	switch role {
	case "system", "developer", "user", "assistant", "tool", "function":
		return true
	}
	return false
}

// parseContent reads a message's content: a string, or an array of parts
// whose text parts are joined and whose image parts are counted. Only an
// assistant message may go without content (it then carries tool calls).
func parseContent(param string, m chatMessage) (promptMessage, *failure) {
	pm := promptMessage{role: m.Role, name: m.Name}
	raw := bytes.TrimSpace(m.Content)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if m.Role == "assistant" {
			return pm, nil
		}
		f := errMissingParameter(param)
		return pm, &f
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &pm.text); err != nil {
			f := errUnparsableJSON()
			return pm, &f
		}
	case '[':
		var parts []contentPart
		if err := json.Unmarshal(raw, &parts); err != nil {
			f := errInvalidType(param, "an array of objects", "an array of other values")
			return pm, &f
		}
		var texts []string
		for _, p := range parts {
			switch p.Type {
			case "text":
				texts = append(texts, p.Text)
			case "image_url":
				url := ""
				if p.ImageURL != nil {
					url = p.ImageURL.URL
				}
				pm.images = append(pm.images, url)
			}
		}
		pm.text = strings.Join(texts, "\n")
	default:
		f := errInvalidType(param, "one of a string or array of objects", describeJSONValue(jsonValueKind(raw[0])))
		return pm, &f
	}
	return pm, nil
}

// jsonValueKind names the JSON value that starts with c, as Go's decoder
// does in an UnmarshalTypeError.
func jsonValueKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case 't', 'f':
		return "bool"
	default:
		return "number"
	}
}

// describeJSONValue words a JSON value kind as OpenAI's messages do.
func describeJSONValue(kind string) string {
	kind, _, _ = strings.Cut(kind, " ") // "number 1.5" -> "number"
	switch kind {
	case "string":
		return "a string"
	case "number":
		return "a number"
	case "bool":
		return "a boolean"
	case "array":
		return "an array"
	case "object":
		return "an object"
	}
	return kind
}

// jsonTypeOf words the JSON type a Go kind decodes from.
func jsonTypeOf(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a valid value"
}
