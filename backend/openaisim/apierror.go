package openaisim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// failure is an error answer: a status and OpenAI's error object.
type failure struct {
	status int
	body   apiError
}

// Error types OpenAI uses.
const (
	typeInvalidRequest = "invalid_request_error"
	typeServer         = "server_error"
)

func ptr(s string) *string { return &s }

func invalidRequest(status int, message, param, code string) failure {
	f := failure{status: status, body: apiError{Message: message, Type: typeInvalidRequest}}
	if param != "" {
		f.body.Param = ptr(param)
	}
	if code != "" {
		f.body.Code = ptr(code)
	}
	return f
}

// errMissingKey answers a request without a bearer key.
func errMissingKey() failure {
	return invalidRequest(http.StatusUnauthorized,
		"You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
		"", "invalid_api_key")
}

// errInvalidKey answers a request whose key is not accepted. Unlike OpenAI,
// it does not quote even a masked part of the key.
func errInvalidKey() failure {
	return invalidRequest(http.StatusUnauthorized,
		"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
		"", "invalid_api_key")
}

func errUnparsableJSON() failure {
	return invalidRequest(http.StatusBadRequest,
		"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
		"", "")
}

func errBodyTooLarge(limit int64) failure {
	return invalidRequest(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("Request body too large: the simulator accepts at most %d bytes.", limit),
		"", "request_too_large")
}

func errInvalidType(param, want, got string) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Invalid type for '%s': expected %s, but got %s instead.", param, want, got),
		param, "invalid_type")
}

func errMissingModel() failure {
	return invalidRequest(http.StatusBadRequest, "you must provide a model parameter", "", "")
}

func errMissingParameter(param string) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Missing required parameter: '%s'.", param),
		param, "missing_required_parameter")
}

func errEmptyMessages() failure {
	return invalidRequest(http.StatusBadRequest,
		"Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
		"messages", "empty_array")
}

func errInvalidRole(param, role string) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", role),
		param, "invalid_value")
}

func errBelowMinimum(param string, got, minimum int) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Invalid '%s': integer below minimum value. Expected a value >= %d, but got %d instead.", param, minimum, got),
		param, "integer_below_min_value")
}

func errAboveMaximum(param string, got, maximum int) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Invalid '%s': integer above maximum value. Expected a value <= %d, but got %d instead.", param, maximum, got),
		param, "integer_above_max_value")
}

// errUnsupportedParameter answers a request that sets a parameter its model
// does not take, with OpenAI's wording.
func errUnsupportedParameter(param, instead string) failure {
	return invalidRequest(http.StatusBadRequest,
		fmt.Sprintf("Unsupported parameter: '%s' is not supported with this model. Use '%s' instead.", param, instead),
		param, "unsupported_parameter")
}

// errStreamOptionsWithoutStream answers stream_options on a request that
// is not streamed, with OpenAI's wording.
func errStreamOptionsWithoutStream() failure {
	return invalidRequest(http.StatusBadRequest,
		"The 'stream_options' parameter is only allowed when 'stream' is enabled.",
		"stream_options", "invalid_value")
}

// errStreamInterrupted is the error chunk of a FaultErrorChunk: what OpenAI
// sends when a stream fails after it started.
func errStreamInterrupted() apiError {
	return apiError{
		Message: "The server had an error while processing your request. Sorry about that!",
		Type:    typeServer,
	}
}

func errNotFound(method, path string) failure {
	return invalidRequest(http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", method, path), "", "")
}

func errMethodNotAllowed(method, path string) failure {
	return invalidRequest(http.StatusMethodNotAllowed, fmt.Sprintf("Invalid method for URL (%s %s)", method, path), "", "")
}

// errRateLimited answers a request the limiter refused, with OpenAI's
// wording: the error type names the exhausted budget.
func errRateLimited(model string, r *rejection) failure {
	per := "per " + r.window.String()
	if r.window == time.Minute {
		per = "per min (" + r.kind.perMinute() + ")"
	}
	var message string
	if r.tooLarge() {
		message = fmt.Sprintf("Request too large for %s on %s %s: Limit %d, Requested %d. The input or output tokens must be reduced in order to run successfully.",
			model, r.kind, per, r.limit, r.requested)
	} else {
		message = fmt.Sprintf("Rate limit reached for %s on %s %s: Limit %d, Used %d, Requested %d. Please try again in %s. Visit https://platform.openai.com/account/rate-limits to learn more.",
			model, r.kind, per, r.limit, r.used, r.requested, formatReset(r.retryAfter))
	}
	return failure{status: http.StatusTooManyRequests, body: apiError{Message: message, Type: string(r.kind), Code: ptr("rate_limit_exceeded")}}
}

// errRateLimitedFault answers a Fault429: a rate limit hit that the
// headers do not explain, as when OpenAI sheds load.
func errRateLimitedFault(model string, retryAfter int64) failure {
	return failure{status: http.StatusTooManyRequests, body: apiError{
		Message: fmt.Sprintf("Rate limit reached for %s on requests. Please try again in %ds. Visit https://platform.openai.com/account/rate-limits to learn more.", model, retryAfter),
		Type:    string(limitRequests),
		Code:    ptr("rate_limit_exceeded"),
	}}
}

func errServer() failure {
	return failure{status: http.StatusInternalServerError, body: apiError{
		Message: "The server had an error while processing your request. Sorry about that!",
		Type:    typeServer,
	}}
}

func errOverloaded() failure {
	return failure{status: http.StatusServiceUnavailable, body: apiError{
		Message: "That model is currently overloaded with other requests. You can retry your request, or contact us through our help center at help.openai.com if the error persists.",
		Type:    typeServer,
		Code:    ptr("overloaded"),
	}}
}

// proxyPage is the HTML page nginx serves for a status it generates itself.
func proxyPage(status int) string {
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if status == http.StatusGatewayTimeout {
		title = "504 Gateway Time-out" // nginx's spelling
	}
	return strings.Join([]string{
		"<html>",
		"<head><title>" + title + "</title></head>",
		"<body>",
		"<center><h1>" + title + "</h1></center>",
		"<hr><center>nginx</center>",
		"</body>",
		"</html>",
		"",
	}, "\r\n")
}
