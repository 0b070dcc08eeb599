package openaiprovider

import (
	"io"
	"slices"
	"strings"
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
		if got, ok := KindOfLabel(label); got != k || !ok {
			t.Errorf("the kind of label %q is %d (%v), want %d", label, got, ok, k)
		}
		if got := (&Error{Kind: k}).Error(); !strings.Contains(got, "("+label+")") {
			t.Errorf("Error{Kind: %v}.Error() = %q, want the label %q", k, got, label)
		}
		o := outcomeOf(&Attempt{Failed: true, Kind: k})
		if o.status() != statusError || o.errorType() != label {
			t.Errorf("an attempt failed with %v is recorded with status %d, error_type %q", k, o.status(), o.errorType())
		}
	}
	if !sameSet(labels, m.ErrorTypes()) {
		t.Errorf("the kinds' labels %v are not the contract's error types %v", labels, m.ErrorTypes())
	}
	if got, ok := KindOfLabel("SOMETHING_ELSE"); ok || got != KindProviderError {
		t.Errorf("an unknown label is kind %v (%v), want %v and false", got, ok, KindProviderError)
	}
	if o := outcomeOf(&Attempt{Failed: true, Kind: errorKindCount}); o.status() != statusError || o.errorType() != KindProviderError.Label() {
		t.Errorf("an attempt failed with a kind out of range is recorded with status %d, error_type %q", o.status(), o.errorType())
	}
	if o := outcomeOf(&Attempt{Kind: KindRateLimited}); o != outcomeSuccess {
		t.Errorf("an attempt not Failed is recorded as outcome %d, want success", o)
	}
	if got := ErrorKind(errorKindCount).String(); got != "ErrorKind(4)" {
		t.Errorf("a kind out of range reads %q", got)
	}
}

// TestClassifyGivesKind checks the kind of an error answer cut short: its
// status decides, as it would whole.
func TestClassifyGivesKind(t *testing.T) {
	for status, want := range map[int]ErrorKind{
		401: KindUnauthorized, 403: KindUnauthorized, 429: KindRateLimited,
		500: KindProviderUnavailable, 503: KindProviderUnavailable, 400: KindProviderError, 404: KindProviderError,
	} {
		if got := classify(&bodyReadError{statusCode: status, err: io.ErrUnexpectedEOF}, true); got.kind != want {
			t.Errorf("status %d cut short: kind %v, want %v", status, got.kind, want)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
