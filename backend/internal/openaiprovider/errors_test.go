package openaiprovider

import (
	"io"
	"slices"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// TestErrorKindLabels walks every kind: each has its own value of the
// error_type label, together they are every value the contract declares,
// and a failure of that kind, recorded, counts under that value.
func TestErrorKindLabels(t *testing.T) {
	var labels []string
	for _, k := range ErrorKinds() {
		label := k.Label()
		if !slices.Contains(m.ErrorTypes(), label) {
			t.Errorf("kind %d has label %q, not one of the contract's %v", k, label, m.ErrorTypes())
		}
		if slices.Contains(labels, label) {
			t.Errorf("label %q is given to two kinds", label)
		}
		labels = append(labels, label)
		if got := kindOfLabel(label); got != k {
			t.Errorf("the kind of label %q is %d, want %d", label, got, k)
		}
		if got := (&Error{Type: label}).Kind(); got != k {
			t.Errorf("Error{Type: %q}.Kind() = %d, want %d", label, got, k)
		}
		o := outcomeOf(&Attempt{ErrorType: label})
		if o.status() != statusError || o.errorType() != label {
			t.Errorf("an attempt failed with %q is recorded with status %d, error_type %q", label, o.status(), o.errorType())
		}
	}
	if !sameSet(labels, m.ErrorTypes()) {
		t.Errorf("the kinds' labels %v are not the contract's error types %v", labels, m.ErrorTypes())
	}
	if got := kindOfLabel("SOMETHING_ELSE"); got != KindProviderError {
		t.Errorf("an unknown label is kind %v, want %v", got, KindProviderError)
	}
	if got := ErrorKind(errorKindCount).String(); got != "ErrorKind(4)" {
		t.Errorf("a kind out of range reads %q", got)
	}
}

// TestClassifyGivesKindAndLabel checks that a classified failure's errorType,
// which the provider records and returns as Error.Type, is its kind's label.
func TestClassifyGivesKindAndLabel(t *testing.T) {
	for status, want := range map[int]ErrorKind{
		401: KindUnauthorized, 403: KindUnauthorized, 429: KindRateLimited,
		500: KindProviderUnavailable, 503: KindProviderUnavailable, 400: KindProviderError, 404: KindProviderError,
	} {
		if got := classify(&bodyReadError{statusCode: status, err: io.ErrUnexpectedEOF}, true); got.kind != want || got.errorType != want.Label() {
			t.Errorf("status %d cut short: kind %v label %q, want %v", status, got.kind, got.errorType, want)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
