package grafana

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// maxMessageLen bounds a server's message, in characters, as the
// provisioner prints it (after redaction): Grafana's own messages are one
// sentence; a longer one is a page or an echo that would flood the output.
const maxMessageLen = 300

// maxVersionLen bounds the version Grafana reports.
const maxVersionLen = 64

// serverText makes text that came from a server printable: secrets
// redacted, control characters (newlines, escapes) turned into spaces,
// runs of spaces collapsed, invalid UTF-8 replaced, and at most limit
// characters, ending in "…" when cut. It redacts before and after the
// clean-up, so that neither can make a secret appear, and cuts last, so
// that a cut cannot leave part of a secret.
func serverText(red *config.Redactor, s string, limit int) string {
	s = red.Redact(s)
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	s = red.Redact(s)
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	cut := 0
	for i := range s {
		if cut == limit {
			return s[:i] + "…"
		}
		cut++
	}
	return s
}

// redactedError is an error whose message went through the redaction; it
// unwraps to the original so that errors.Is and errors.As still work.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err with its message redacted (nil for nil).
func redactError(red *config.Redactor, err error) error {
	if err == nil {
		return nil
	}
	msg := red.Redact(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
