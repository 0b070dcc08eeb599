package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is how every Secret prints.
const redacted = "<secret>"

// Secret is a credential. Whatever verb formats it, whatever encoder
// marshals it, it comes out as <secret>; only Reveal gives its value, and
// only the code that builds the Authorization header calls it.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer.
func (Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (Secret) GoString() string { return redacted }

// Format implements fmt.Formatter, so that no verb (%x, %q, %d, ...) can
// print the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalText implements encoding.TextMarshaler (and so JSON and YAML).
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
