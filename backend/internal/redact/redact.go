// Package redact keeps the backend's secrets out of what it logs: the OpenAI
// key, the client keys, and the credentials of the OTLP exporter's headers.
// A server's text (an OTLP collector's error body, say) may quote what it
// was sent; every log line passes through one Redactor, which replaces each
// known secret with <secret>.
package redact

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
)

// Placeholder replaces every secret.
const Placeholder = "<secret>"

// MinLength is the length from which a value is redacted: a shorter value
// protects nothing and, replaced everywhere, would garble every line.
const MinLength = 6

// Redactor replaces known secrets in text. The zero value and nil redact
// nothing.
type Redactor struct {
	secrets []string // longest first, so that a secret containing another goes whole
}

// New returns a Redactor of the given secrets. Empty and short values are
// left out.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) >= MinLength && !seen[s] {
			seen[s] = true
			r.secrets = append(r.secrets, s)
		}
	}
	for i := 1; i < len(r.secrets); i++ { // insertion sort by length, descending: a handful of values
		for j := i; j > 0 && len(r.secrets[j]) > len(r.secrets[j-1]); j-- {
			r.secrets[j], r.secrets[j-1] = r.secrets[j-1], r.secrets[j]
		}
	}
	return r
}

// String returns s with every secret replaced. It allocates only when s
// holds one.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, Placeholder)
		}
	}
	return s
}

// HeaderSecrets returns the values to redact of a list of headers in the
// OTEL_EXPORTER_OTLP_HEADERS format (key=value pairs separated by commas,
// values URL-encoded): each value as written and decoded, and for an
// Authorization-style value ("Basic …", "Bearer …") the credential alone and,
// for Basic, its decoded user:password and password.
func HeaderSecrets(list string) []string {
	var out []string
	for _, pair := range strings.Split(list, ",") {
		_, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		out = append(out, v)
		if dec, err := url.PathUnescape(v); err == nil {
			v = dec
			out = append(out, v)
		}
		scheme, cred, ok := strings.Cut(v, " ")
		if !ok {
			continue
		}
		out = append(out, cred)
		if strings.EqualFold(scheme, "Basic") {
			if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
				out = append(out, string(raw))
				if _, password, ok := strings.Cut(string(raw), ":"); ok {
					out = append(out, password)
				}
			}
		}
	}
	return out
}

// Handler wraps next so that the message and every string and error value
// of a record, nested groups included, are redacted.
func Handler(next slog.Handler, r *Redactor) slog.Handler {
	if r == nil || len(r.secrets) == 0 {
		return next
	}
	return &handler{next: next, r: r}
}

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle passes a record that holds no secret on as it is, so that the
// common line costs a scan and no copy.
func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	clean := h.r.String(rec.Message) == rec.Message
	rec.Attrs(func(a slog.Attr) bool {
		clean = h.attr(a).Equal(a)
		return clean
	})
	if clean {
		return h.next.Handle(ctx, rec)
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s, red := v.String(), h.r.String(v.String()); red != s {
			return slog.String(a.Key, red)
		}
	case slog.KindGroup:
		group := v.Group()
		red := make([]any, len(group))
		for i, g := range group {
			red[i] = h.attr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.String(err.Error()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
