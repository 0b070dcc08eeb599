// Package secret holds the one type of a credential in the module: the
// backend's client and OpenAI keys, the billing exporter's admin key, the
// provisioner's Grafana token and password.
//
// A Secret prints as <secret> whatever formats it: every fmt verb (%v,
// %+v, %#v, %s, %q, %x, %d, ...), encoding/json, encoding/xml, YAML and
// any other encoder that uses encoding.TextMarshaler, and log/slog. Only
// Reveal gives its value, and only the code that sends the credential
// calls it.
//
// One verb escapes every method of a string type: %p, which fmt answers
// with the raw value inside its %!p(...) complaint. It is never a verb for
// a string, and go vet reports it; do not use it with a Secret.
package secret

import (
	"fmt"
	"io"
	"log/slog"
)

// Redacted is how every Secret prints.
const Redacted = "<secret>"

// Secret is a credential.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer.
func (Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer (%#v).
func (Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter, so that no verb (%x, %q, %d, ...) can
// print the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalText implements encoding.TextMarshaler, and so JSON, XML and YAML.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue implements slog.LogValuer.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
