// Package envconfig reads a program's settings from its environment and,
// for the settings that have one, a command-line flag, from one
// declaration per setting.
//
// A declaration (a Var) names the environment variable, the flag (if any),
// the default, a one-line doc and the parser. The same declarations read
// the values (a Reader), parse the flags (ParseFlags) and print the help
// (Usage), so the help cannot drift from what is read.
//
// Values are trimmed, and an empty value counts as unset. A flag wins over
// its variable, which wins over the default. A bad value is reported as
// "NAME: problem: what to set", NAME being the variable or the flag it came
// from; every problem is kept, so that one run reports them all. A value
// is quoted at most 60 bytes long (Truncate), and a secret never.
package envconfig

import (
	"errors"
	"fmt"
	"strings"
)

// LookupFunc reads one environment variable, like os.LookupEnv.
type LookupFunc func(key string) (string, bool)

// Setting is what a declaration says of itself, for the reader and for the
// help.
type Setting struct {
	// Env is the environment variable.
	Env string
	// Flag is the flag's name without its dash; empty for none.
	Flag string
	// Default is the default as the help shows it; empty for none.
	Default string
	// Doc says in one line what the setting does.
	Doc string
	// KeepSpaces takes the value as is, surrounding spaces included (a
	// password); it is still unset when empty.
	KeepSpaces bool
	// EmptyIsSet makes an empty value (a variable or flag set to "") a
	// value of its own, such as "serve nothing", instead of unset.
	EmptyIsSet bool
	// boolFlag lets the flag stand alone (-stream for -stream=true).
	boolFlag bool
}

// Parser turns a setting's value into a T.
type Parser[T any] struct {
	// Parse reads raw (trimmed unless KeepSpaces; empty only with
	// EmptyIsSet); def is the
	// setting's default, for messages that suggest it. Its error says what
	// is wrong and what to set, without the setting's name, which the
	// Reader puts before it (unless it is Verbatim).
	Parse func(raw string, def T) (T, error)
	// Format shows a default in the help; nil uses fmt.Sprint.
	Format func(T) string
	// Bool marks a parser of booleans: its flag may stand alone.
	Bool bool
}

// Var declares one setting of type T.
type Var[T any] struct {
	Env     string
	Flag    string
	Default T
	Doc     string
	Parser  Parser[T]
	// DefaultDoc replaces the formatted Default in the help, for a default
	// that depends on other settings ("OTEL_EXPORTER_OTLP_ENDPOINT +
	// /v1/traces"); "-" shows none.
	DefaultDoc string
	// KeepSpaces and EmptyIsSet: see Setting.
	KeepSpaces bool
	EmptyIsSet bool
}

// Setting returns what v declares, for the help and for ParseFlags.
func (v Var[T]) Setting() Setting {
	s := Setting{Env: v.Env, Flag: v.Flag, Doc: v.Doc, KeepSpaces: v.KeepSpaces, EmptyIsSet: v.EmptyIsSet, boolFlag: v.Parser.Bool}
	switch {
	case v.DefaultDoc == "-":
	case v.DefaultDoc != "":
		s.Default = v.DefaultDoc
	case v.Parser.Format != nil:
		s.Default = v.Parser.Format(v.Default)
	default:
		s.Default = fmt.Sprint(v.Default)
	}
	return s
}

// Reader reads settings from an environment and parsed flags, and keeps
// every problem it finds.
type Reader struct {
	lookup LookupFunc
	flags  map[string]string
	errs   []error
	// failed holds the settings already reported, so that a check across
	// settings does not repeat their errors.
	failed map[string]bool
}

// NewReader reads from lookup (os.LookupEnv, or a map in tests) and the
// flag values flags (from ParseFlags; nil for none).
func NewReader(lookup LookupFunc, flags map[string]string) *Reader {
	return &Reader{lookup: lookup, flags: flags, failed: map[string]bool{}}
}

// Raw returns s's value as read (trimmed unless KeepSpaces), the name it
// came from ("-flag" or the variable), and whether it is set to something
// (or set at all, with EmptyIsSet).
func (r *Reader) Raw(s Setting) (value, name string, ok bool) {
	clean := func(v string, set bool) (string, bool) {
		if !s.KeepSpaces {
			v = strings.TrimSpace(v)
		}
		return v, set && (v != "" || s.EmptyIsSet)
	}
	if s.Flag != "" {
		v, set := r.flags[s.Flag]
		if v, set = clean(v, set); set {
			return v, "-" + s.Flag, true
		}
	}
	v, set := clean(r.lookup(s.Env))
	return v, s.Env, set
}

// IsSet tells whether s has a value.
func (r *Reader) IsSet(s Setting) bool {
	_, _, ok := r.Raw(s)
	return ok
}

// Get returns v's value: parsed when set, else (or when it does not parse,
// which is reported) the default.
func Get[T any](r *Reader, v Var[T]) T {
	got, _ := Lookup(r, v)
	return got
}

// Lookup returns v's value and whether it was set and parsed; unset, or
// when it does not parse (which is reported), it returns the default and
// false.
func Lookup[T any](r *Reader, v Var[T]) (T, bool) {
	raw, name, ok := r.Raw(v.Setting())
	if !ok {
		return v.Default, false
	}
	got, err := v.Parser.Parse(raw, v.Default)
	if err != nil {
		r.report(v.Env, name, err)
		return v.Default, false
	}
	return got, true
}

// Fail reports a problem of setting s, named as its value was read (the
// flag or the variable): a check beyond its parser, or across settings.
func (r *Reader) Fail(s Setting, format string, args ...any) {
	_, name, _ := r.Raw(s)
	r.report(s.Env, name, fmt.Errorf(format, args...))
}

// Failf reports a problem named key (a variable that is no Setting, or
// one named as is).
func (r *Reader) Failf(key, format string, args ...any) {
	r.report(key, key, fmt.Errorf(format, args...))
}

// Add reports err as is, for the setting env.
func (r *Reader) Add(env string, err error) {
	r.failed[env] = true
	r.errs = append(r.errs, err)
}

func (r *Reader) report(env, name string, err error) {
	r.failed[env] = true
	var v verbatim
	if errors.As(err, &v) {
		r.errs = append(r.errs, v.error)
		return
	}
	r.errs = append(r.errs, fmt.Errorf("%s: %w", name, err))
}

// Failed tells whether a problem of the setting env was reported.
func (r *Reader) Failed(env string) bool { return r.failed[env] }

// Errors are the problems reported, in order.
func (r *Reader) Errors() []error { return r.errs }

// Err is nil without problems, else "invalid configuration:" and the
// problems, one per line.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n  %w", JoinLines(r.errs))
}

// verbatim is an error that already names its setting.
type verbatim struct{ error }

func (v verbatim) Unwrap() error { return v.error }

// Verbatim marks a parser's error as one that names its setting itself:
// the Reader reports it as is, without the name before it.
func Verbatim(err error) error {
	if err == nil {
		return nil
	}
	return verbatim{err}
}

// Truncate cuts a value quoted in an error message to 60 bytes, so that a
// long or hostile value cannot flood the output.
func Truncate(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// JoinLines joins errors one per line, indented under the first.
func JoinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}
