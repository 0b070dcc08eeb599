package openaiprovider

import (
	"strconv"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// ErrorKind is how an OpenAI call failed. Each kind has one value of the
// metric contract's error_type label (Label); the API tells its clients
// each kind with its own code and status (httpapi). Its zero value is
// KindProviderError, the kind of any failure no other kind describes.
type ErrorKind uint8

// The kinds, as classify assigns them.
const (
	// KindProviderError: anything the other kinds do not cover, such as a
	// 400 from OpenAI, a refused redirect, or an answer too large or
	// undecodable.
	KindProviderError ErrorKind = iota
	// KindUnauthorized: OpenAI rejected the backend's key (401, 403).
	KindUnauthorized
	// KindRateLimited: OpenAI answered 429.
	KindRateLimited
	// KindProviderUnavailable: OpenAI answered 5xx, the connection failed,
	// or the call timed out.
	KindProviderUnavailable
	errorKindCount
)

// errorKindLabels is each kind's value of the error_type label: the one
// mapping of a kind to the metric contract.
var errorKindLabels = [errorKindCount]string{
	KindProviderError:       m.ErrorProviderError,
	KindUnauthorized:        m.ErrorUnauthorized,
	KindRateLimited:         m.ErrorRateLimited,
	KindProviderUnavailable: m.ErrorProviderUnavailable,
}

// ErrorKinds returns every kind.
func ErrorKinds() []ErrorKind {
	out := make([]ErrorKind, errorKindCount)
	for k := range errorKindCount {
		out[k] = k
	}
	return out
}

// Label is the kind's value of the metric contract's error_type label, one
// of openaimetrics.ErrorTypes().
func (k ErrorKind) Label() string {
	if k < errorKindCount {
		return errorKindLabels[k]
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// String is the kind's Label.
func (k ErrorKind) String() string { return k.Label() }

// KindOfLabel is the kind whose Label is label, and false for a label that
// is no kind's: the way back from a value of the error_type label, for a
// caller that holds the contract's values (openaimetrics.ErrorTypes()).
func KindOfLabel(label string) (ErrorKind, bool) {
	for k, l := range errorKindLabels {
		if l == label {
			return ErrorKind(k), true
		}
	}
	return KindProviderError, false
}
