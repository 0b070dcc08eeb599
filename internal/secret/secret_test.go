package secret

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const value = "sk-live-0123456789abcdef"

// holder puts a Secret where encoders and formatters meet it: as a field,
// through a pointer, in a slice and a map.
type holder struct {
	Key   Secret            `json:"key" yaml:"key" xml:"key"`
	Ptr   *Secret           `json:"ptr" yaml:"ptr" xml:"ptr"`
	Keys  []Secret          `json:"keys" yaml:"keys" xml:"keys"`
	ByEnv map[string]Secret `json:"by_env" yaml:"by_env" xml:"-"`
}

// forms are the ways a value can leak: as is, and in the encodings a
// formatter may apply.
func forms() []string {
	return []string{value, fmt.Sprintf("%x", value), fmt.Sprintf("%X", value), fmt.Sprintf("% x", value), strings.Trim(fmt.Sprintf("%q", value), `"`)}
}

func TestNoFormattingPathLeaks(t *testing.T) {
	s := Secret(value)
	h := holder{Key: s, Ptr: &s, Keys: []Secret{s, s}, ByEnv: map[string]Secret{"OPENAI_API_KEY": s}}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%10.3s", "%-8v", "%T %v", "%U", "%c", "%t", "%e"} {
		outputs = append(outputs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []Secret{s}))
	}
	outputs = append(outputs, fmt.Sprint(s), fmt.Sprintln(s, h), fmt.Sprint(any(s)), s.String(), s.GoString())

	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := yaml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	xs, err := xml.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := s.MarshalText()
	outputs = append(outputs, string(js), string(ys), string(xs), string(text))

	for _, handler := range []func(*strings.Builder) slog.Handler{
		func(b *strings.Builder) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *strings.Builder) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b strings.Builder
		slog.New(handler(&b)).Info("msg", "key", s, "ptr", &s, "holder", h, slog.Any("any", s), slog.Group("g", "key", s))
		outputs = append(outputs, b.String())
	}

	for _, out := range outputs {
		for _, f := range forms() {
			if strings.Contains(out, f) {
				t.Errorf("the value leaks (as %q) in %q", f, out)
			}
		}
	}
	if !strings.Contains(string(js), `"key":"\u003csecret\u003e"`) || !strings.Contains(string(ys), "key: <secret>") || !strings.Contains(string(xs), "<key>&lt;secret&gt;</key>") {
		t.Errorf("want the value shown as <secret>: JSON %s, YAML %s, XML %s", js, ys, xs)
	}
	if got := fmt.Sprintf("%v %#v %x", s, s, s); got != "<secret> <secret> <secret>" {
		t.Errorf("formatted as %q", got)
	}
}

func TestRevealAndIsSet(t *testing.T) {
	if s := Secret(value); s.Reveal() != value || !s.IsSet() {
		t.Errorf("Reveal() = %d bytes, IsSet() = %v", len(s.Reveal()), s.IsSet())
	}
	var zero Secret
	if zero.IsSet() || zero.Reveal() != "" {
		t.Error("the zero Secret is set")
	}
	// The zero value prints as <secret> too: the output does not tell
	// whether a credential is configured.
	if fmt.Sprint(zero) != Redacted {
		t.Errorf("zero Secret prints %q", fmt.Sprint(zero))
	}
}

// An encoder that reads the value back must not get the value: decoding
// what was marshalled yields <secret>.
func TestRoundTripYieldsTheRedaction(t *testing.T) {
	js, err := json.Marshal(map[string]Secret{"k": value})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]string
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back["k"] != Redacted {
		t.Errorf("decoded %q", back["k"])
	}
}
