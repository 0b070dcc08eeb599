package envconfig

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/internal/secret"
)

func env(kv ...string) LookupFunc {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

var rate = Var[int]{Env: "APP_RATE", Flag: "rate", Default: 5, Doc: "requests a second", Parser: Int(1, 100, "a rate")}

func TestPrecedence(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   LookupFunc
		flags map[string]string
		want  int
		set   bool
	}{
		{"default", env(), nil, 5, false},
		{"empty is unset", env("APP_RATE", "  "), nil, 5, false},
		{"variable, trimmed", env("APP_RATE", " 7 "), nil, 7, true},
		{"flag over variable", env("APP_RATE", "7"), map[string]string{"rate": "9"}, 9, true},
		{"empty flag leaves the variable", env("APP_RATE", "7"), map[string]string{"rate": ""}, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(tc.env, tc.flags)
			got, set := Lookup(r, rate)
			if got != tc.want || set != tc.set || r.Err() != nil {
				t.Errorf("Lookup = %d, %v (err %v), want %d, %v", got, set, r.Err(), tc.want, tc.set)
			}
		})
	}
}

func TestEmptyIsSet(t *testing.T) {
	addr := Var[string]{Env: "APP_HEALTH", Flag: "health", Default: ":8099", Parser: String(), EmptyIsSet: true}
	for _, tc := range []struct {
		env   LookupFunc
		flags map[string]string
		want  string
	}{
		{env(), nil, ":8099"},
		{env("APP_HEALTH", ""), nil, ""},
		{env("APP_HEALTH", " "), nil, ""},
		{env("APP_HEALTH", ":9"), map[string]string{"health": ""}, ""},
		{env("APP_HEALTH", ""), map[string]string{"health": ":7"}, ":7"},
	} {
		if got := Get(NewReader(tc.env, tc.flags), addr); got != tc.want {
			t.Errorf("flags %v: got %q, want %q", tc.flags, got, tc.want)
		}
	}
}

func TestErrorsNameWhereTheValueCameFrom(t *testing.T) {
	r := NewReader(env("APP_RATE", "fast"), nil)
	if got := Get(r, rate); got != 5 {
		t.Errorf("a bad value gives %d, want the default", got)
	}
	r2 := NewReader(env("APP_RATE", "7"), map[string]string{"rate": "0"})
	Get(r2, rate)
	for r, want := range map[*Reader]string{
		r:  `APP_RATE: "fast" is not a rate: use a whole number from 1 to 100 (default 5)`,
		r2: `-rate: "0" is not a rate: use a whole number from 1 to 100 (default 5)`,
	} {
		if len(r.Errors()) != 1 || r.Errors()[0].Error() != want || !r.Failed("APP_RATE") {
			t.Errorf("errors %q, want [%q]", r.Errors(), want)
		}
	}
	if got := r.Err().Error(); got != "invalid configuration:\n  "+`APP_RATE: "fast" is not a rate: use a whole number from 1 to 100 (default 5)` {
		t.Errorf("Err() = %q", got)
	}
}

func TestEveryProblemIsKept(t *testing.T) {
	r := NewReader(env("A", "x", "B", "y"), nil)
	Get(r, Var[bool]{Env: "A", Parser: Bool()})
	Get(r, Var[time.Duration]{Env: "B", Default: time.Second, Parser: Duration(0)})
	r.Failf("C", "not set: set it to something")
	r.Fail(Setting{Env: "D"}, "%d is odd", 3)
	want := "invalid configuration:\n" +
		`  A: "x" is not a boolean: use true or false` + "\n" +
		`  B: "y" is not a duration: give a number with a unit, e.g. 1s` + "\n" +
		"  C: not set: set it to something\n" +
		"  D: 3 is odd"
	if got := r.Err(); got == nil || got.Error() != want {
		t.Errorf("Err() =\n%v\nwant\n%s", got, want)
	}
	if r.Failed("E") || !r.Failed("C") {
		t.Error("Failed does not tell the reported settings")
	}
	if NewReader(env(), nil).Err() != nil {
		t.Error("Err() of a reader without problems is not nil")
	}
}

func TestVerbatimAndKeepSpaces(t *testing.T) {
	own := Var[string]{Env: "ORG", Parser: Parser[string]{Parse: func(raw, _ string) (string, error) {
		return "", Verbatim(fmt.Errorf("ORG %q: must be a positive integer", raw))
	}}}
	r := NewReader(env("ORG", "main", "PASSWORD", "  pw  ", "BLANK", ""), nil)
	Get(r, own)
	if len(r.Errors()) != 1 || r.Errors()[0].Error() != `ORG "main": must be a positive integer` {
		t.Errorf("errors %q", r.Errors())
	}
	pw := Var[secret.Secret]{Env: "PASSWORD", Parser: Secret(), KeepSpaces: true}
	if got := Get(r, pw); got.Reveal() != "  pw  " {
		t.Errorf("KeepSpaces: got %q", got.Reveal())
	}
	if _, set := Lookup(r, Var[secret.Secret]{Env: "BLANK", Parser: Secret(), KeepSpaces: true}); set {
		t.Error("an empty value is set")
	}
}

func TestParsers(t *testing.T) {
	type result struct {
		value any
		err   string
	}
	parse := func(t *testing.T, raw string, get func(r *Reader) any) result {
		t.Helper()
		r := NewReader(env("V", raw), nil)
		v := get(r)
		if len(r.Errors()) > 0 {
			return result{err: r.Errors()[0].Error()}
		}
		return result{value: v}
	}
	dur := func(r *Reader) any {
		return Get(r, Var[time.Duration]{Env: "V", Default: 30 * time.Second, Parser: Duration(100 * time.Millisecond)})
	}
	ms := func(r *Reader) any {
		return Get(r, Var[time.Duration]{Env: "V", Default: 10 * time.Second, Parser: Milliseconds(100*time.Millisecond, time.Hour)})
	}
	port := func(r *Reader) any { return Get(r, Var[string]{Env: "V", Default: "8080", Parser: Port()}) }
	level := func(r *Reader) any { return Get(r, Var[slog.Level]{Env: "V", Parser: LogLevel()}) }
	u := func(r *Reader) any {
		return Get(r, Var[string]{Env: "V", Parser: HTTPURL("set the endpoint, e.g. http://alloy:4318")})
	}
	list := func(r *Reader) any { return fmt.Sprint(Get(r, Var[[]string]{Env: "V", Parser: List(String())})) }
	bytes := func(r *Reader) any {
		return Get(r, Var[int64]{Env: "V", Default: 4 << 20, Parser: Int[int64](1<<16, 1<<30, "a size in bytes")})
	}
	for _, tc := range []struct {
		name string
		raw  string
		get  func(*Reader) any
		want result
	}{
		{"duration", "1m30s", dur, result{value: 90 * time.Second}},
		{"duration without unit", "30", dur, result{err: `V: "30" is not a duration: give a number with a unit, e.g. 30s`}},
		{"duration too short", "1ms", dur, result{err: "V: 1ms is too short: use at least 100ms (default 30s)"}},
		{"milliseconds", "2500", ms, result{value: 2500 * time.Millisecond}},
		{"milliseconds with a unit", "10s", ms, result{err: `V: "10s" is not a number of milliseconds, e.g. 10000`}},
		{"milliseconds too short", "5", ms, result{err: "V: 5ms is too short: use at least 100"}},
		{"milliseconds beyond int64", "99999999999999999999", ms, result{err: "V: 99999999999999999999ms is too long: use at most 3600000"}},
		{"milliseconds below int64", "-99999999999999999999", ms, result{err: "V: -99999999999999999999ms is too short: use at least 100"}},
		{"bytes", "65536", bytes, result{value: int64(65536)}},
		{"bytes too few", "100", bytes, result{err: `V: "100" is not a size in bytes: use a whole number from 65536 to 1073741824 (default 4194304)`}},
		{"bytes in scientific notation", "1e6", bytes, result{err: `V: "1e6" is not a size in bytes: use a whole number from 65536 to 1073741824 (default 4194304)`}},
		{"port canonical", "0080", port, result{value: "80"}},
		{"port sign", "+80", port, result{err: `V: "+80" is not a TCP port: set a number from 1 to 65535 (default 8080)`}},
		{"port range", "70000", port, result{err: `V: "70000" is not a TCP port: set a number from 1 to 65535 (default 8080)`}},
		{"level", "DEBUG", level, result{value: slog.LevelDebug}},
		{"level unknown", "loud", level, result{err: `V: "loud" is not a level: use debug, info, warn or error`}},
		{"url", "http://alloy:4318/", u, result{value: "http://alloy:4318/"}},
		{"url without scheme", "alloy:4318", u, result{err: `V: "alloy:4318" is not an http(s) URL: set the endpoint, e.g. http://alloy:4318`}},
		{"url without host", "http:///v1", u, result{err: `V: "http:///v1" has no host: set the endpoint, e.g. http://alloy:4318`}},
		{"url with credentials", "http://u:hunter2@alloy:4318", u, result{err: "V: the URL carries credentials: pass them in headers, not in the URL: set the endpoint, e.g. http://alloy:4318"}},
		{"url unparsable with credentials", "http://u:hunter2@alloy:port", u, result{err: `V: "<URL with credentials>" is not a URL: set the endpoint, e.g. http://alloy:4318`}},
		{"list", " a, b ,,c ", list, result{value: "[a b c]"}},
		{"long value cut", strings.Repeat("x", 100), port, result{err: `V: "` + strings.Repeat("x", 60) + `…" is not a TCP port: set a number from 1 to 65535 (default 8080)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parse(t, tc.raw, tc.get); got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if strings.Contains(fmt.Sprint(parse(t, tc.raw, tc.get)), "hunter2") {
				t.Error("a credential is shown")
			}
		})
	}
}

func TestSecretsNeverShow(t *testing.T) {
	keys := Var[[]secret.Secret]{Env: "KEYS", Parser: List(Secret()), Doc: "client keys"}
	r := NewReader(env("KEYS", "k1,hunter2"), nil)
	got := Get(r, keys)
	if len(got) != 2 || got[1].Reveal() != "hunter2" {
		t.Fatalf("keys %d", len(got))
	}
	if s := keys.Setting(); s.Default != "" || strings.Contains(fmt.Sprint(got), "hunter2") {
		t.Errorf("setting %+v, keys %v", s, got)
	}
	one := Var[secret.Secret]{Env: "KEY", Default: "built-in-hunter2", Parser: Secret()}
	if s := one.Setting(); s.Default != "" {
		t.Errorf("the help shows a secret default: %+v", s)
	}
}

func TestParseFlags(t *testing.T) {
	settings := []Setting{
		rate.Setting(),
		Var[bool]{Env: "APP_STREAM", Flag: "stream", Parser: Bool()}.Setting(),
		Var[string]{Env: "APP_KEY", Parser: String()}.Setting(), // no flag
	}
	values, err := ParseFlags("app", []string{"-rate", "9", "--stream"}, settings)
	if err != nil || values["rate"] != "9" || values["stream"] != "true" || len(values) != 2 {
		t.Fatalf("ParseFlags = %v, %v", values, err)
	}
	values, err = ParseFlags("app", []string{"--rate=3", "-stream=false"}, settings)
	if err != nil || values["rate"] != "3" || values["stream"] != "false" {
		t.Fatalf("ParseFlags = %v, %v", values, err)
	}
	for _, help := range []string{"-h", "-help", "--help"} {
		if _, err := ParseFlags("app", []string{help}, settings); !errors.Is(err, ErrHelp) {
			t.Errorf("%s: %v, want ErrHelp", help, err)
		}
	}
	for args, want := range map[string]string{
		"-key x":    "flag provided but not defined: -key: run app -h for the settings",
		"serve":     `unexpected argument "serve": app takes flags only; run app -h for the settings`,
		"-rate":     "flag needs an argument: -rate: run app -h for the settings",
		"-rate 1 x": `unexpected argument "x": app takes flags only; run app -h for the settings`,
	} {
		if _, err := ParseFlags("app", strings.Fields(args), settings); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
}

func TestUsage(t *testing.T) {
	var b strings.Builder
	if err := Usage(&b, []Setting{
		rate.Setting(),
		Var[time.Duration]{Env: "APP_TIMEOUT", Default: 30 * time.Second, Parser: Duration(0), Doc: "bound of\n one call"}.Setting(),
		Var[time.Duration]{Env: "APP_INTERVAL", Default: 10 * time.Second, Parser: Milliseconds(0, time.Hour), Doc: "milliseconds between exports"}.Setting(),
		Var[string]{Env: "APP_TRACES", DefaultDoc: "APP_ENDPOINT + /v1/traces", Parser: String(), Doc: "traces URL"}.Setting(),
		Var[secret.Secret]{Env: "APP_KEY", Parser: Secret(), Doc: "API key"}.Setting(),
	}); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"  -rate, APP_RATE (default 5)\n" +
		"      requests a second\n" +
		"  APP_TIMEOUT (default 30s)\n" +
		"      bound of one call\n" +
		"  APP_INTERVAL (default 10000)\n" +
		"      milliseconds between exports\n" +
		"  APP_TRACES (default APP_ENDPOINT + /v1/traces)\n" +
		"      traces URL\n" +
		"  APP_KEY\n" +
		"      API key\n"
	if b.String() != want {
		t.Errorf("usage:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	if err := Usage(&b, []Setting{{Env: "ONLY_ENV", Default: "x", Doc: "d"}}); err != nil {
		t.Fatal(err)
	}
	if b.String() != "  ONLY_ENV (default x)\n      d\n" {
		t.Errorf("usage without flags:\n%s", b.String())
	}
}

func TestCommandHandleArgs(t *testing.T) {
	cmd := Command{Name: "app", Subcommands: []string{"healthcheck"}, Usage: func(w io.Writer) error {
		_, err := io.WriteString(w, "Usage: app\n")
		return err
	}}
	for _, tc := range []struct {
		args           []string
		code           int
		handled        bool
		stdout, stderr string
	}{
		{args: []string{"app"}},
		{args: []string{"app", "healthcheck", "http://x"}},
		{args: []string{"app", "-h"}, handled: true, stdout: "Usage: app\n"},
		{args: []string{"app", "--help", "extra"}, handled: true, stdout: "Usage: app\n"},
		{args: []string{"app", "-help"}, handled: true, stdout: "Usage: app\n"},
		{args: []string{"app", "serve"}, code: 2, handled: true, stderr: "app: unknown argument \"serve\"\n\nUsage: app\n"},
		{args: []string{"app", "-v"}, code: 2, handled: true, stderr: "app: unknown argument \"-v\"\n\nUsage: app\n"},
	} {
		var stdout, stderr strings.Builder
		code, handled := cmd.HandleArgs(tc.args, &stdout, &stderr)
		if code != tc.code || handled != tc.handled || stdout.String() != tc.stdout || stderr.String() != tc.stderr {
			t.Errorf("%q: %d %v, stdout %q, stderr %q; want %d %v, %q, %q", tc.args, code, handled, stdout.String(), stderr.String(), tc.code, tc.handled, tc.stdout, tc.stderr)
		}
	}
	failing := Command{Name: "app", Usage: func(io.Writer) error { return errors.New("closed") }}
	var stderr strings.Builder
	if code, _ := failing.HandleArgs([]string{"app", "-h"}, io.Discard, &stderr); code != 1 || stderr.String() != "app: closed\n" {
		t.Errorf("a help that cannot be written: exit %d, stderr %q", code, stderr.String())
	}
}
