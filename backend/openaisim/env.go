package openaisim

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// DemoFaultRates returns the faults of the demo: 2% of requests answered
// 500, 1% answered 429. Compose's simulator service defaults SIM_FAULTS to
// the same mix, and the backend's built-in simulator starts with it.
func DemoFaultRates() FaultRates {
	return FaultRates{Fault500: 0.02, Fault429: 0.01}
}

// DemoConfig returns DefaultConfig with the demo's faults (DemoFaultRates):
// the backend's built-in simulator starts from it, before its SIM_*
// variables.
func DemoConfig() Config {
	c := DefaultConfig()
	c.FaultRates = DemoFaultRates()
	return c
}

// EnvName is the variable of a flag: SIM_ and the flag's name in upper
// case, dashes as underscores (latency-median: SIM_LATENCY_MEDIAN).
func EnvName(flagName string) string {
	return "SIM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// deployment declares, once each, the settings of a Config that a
// deployment chooses: latencies and paces, the hang bound, the rate limits,
// the faults and the seed. Each is a flag of openai-sim and its variable
// (EnvName), and defaults to the value of the Config it is read into.
var deployment = []setting{
	field[time.Duration]{flag: "latency-median", of: func(c *Config) *time.Duration { return &c.Latency.Median },
		doc: "median time to first token, reasoning excluded; 0 for none", parse: duration},
	field[time.Duration]{flag: "latency-p99", of: func(c *Config) *time.Duration { return &c.Latency.P99 },
		doc: "99th percentile time to first token; 0 for no tail", parse: duration},
	field[Pace]{flag: "pace", of: func(c *Config) *Pace { return &c.Latency.Pace },
		doc:   "tokens per second generated after the first token, reasoning first: a default, then model-prefix:rate pairs, such as 80,gpt-4o:60; 0 for instant",
		parse: text[Pace, *Pace], format: Pace.String},
	field[time.Duration]{flag: "hang-max", of: func(c *Config) *time.Duration { return &c.HangMax },
		doc: "time a hang fault holds a request before a 504; 0 until the client leaves", parse: duration},
	field[int64]{flag: "limit-requests", of: func(c *Config) *int64 { return &c.RateLimits.Requests },
		doc: "requests allowed per request window", parse: count},
	field[time.Duration]{flag: "limit-requests-window", of: func(c *Config) *time.Duration { return &c.RateLimits.RequestWindow },
		doc: "length of the request window", parse: duration},
	field[int64]{flag: "limit-tokens", of: func(c *Config) *int64 { return &c.RateLimits.Tokens },
		doc: "tokens allowed per token window", parse: count},
	field[time.Duration]{flag: "limit-tokens-window", of: func(c *Config) *time.Duration { return &c.RateLimits.TokenWindow },
		doc: "length of the token window", parse: duration},
	// Empty is a value of its own: no faults, as "none".
	field[FaultRates]{flag: "faults", of: func(c *Config) *FaultRates { return &c.FaultRates }, emptyIsSet: true,
		doc:   "fault probabilities, such as 500:0.02,429:0.01,hang:0.001,cut:0.01 (faults: 401, 429, 500, 502, 503, hang before the answer; cut and error-chunk in the middle of a streamed answer); none for no faults",
		parse: text[FaultRates, *FaultRates], format: faultsDefault},
	field[uint64]{flag: "seed", of: func(c *Config) *uint64 { return &c.Seed },
		doc: "seed of the fault, latency and id generators", parse: seed},
}

// Settings returns the declarations of the deployment's settings (see
// FromEnv), each defaulting to base's value: for openai-sim's flags and
// help, and for the help of a program that reads them from its
// environment (drop their flags then).
func Settings(base Config) []envconfig.Setting {
	out := make([]envconfig.Setting, len(deployment))
	for i, s := range deployment {
		out[i] = s.declare(base)
	}
	return out
}

// Read sets in c each setting of Settings that r finds set, from its flag
// or its variable. A value that does not parse is reported to r as
// `invalid value NAME="value": problem: set the <doc>`, NAME being the
// variable or the flag it came from, and leaves c's value.
func Read(r *envconfig.Reader, c *Config) {
	for _, s := range deployment {
		s.read(r, c)
	}
}

// FromEnv returns c with each setting of Settings that lookup finds set in
// its variable: SIM_FAULTS, SIM_LATENCY_MEDIAN, SIM_LATENCY_P99, SIM_PACE,
// SIM_HANG_MAX, SIM_LIMIT_REQUESTS, SIM_LIMIT_REQUESTS_WINDOW,
// SIM_LIMIT_TOKENS, SIM_LIMIT_TOKENS_WINDOW and SIM_SEED. Values are
// trimmed, and a variable set to the empty string counts as unset, but for
// SIM_FAULTS: empty, as "none", it means no faults. Every problem is
// reported, each naming its variable, and the result is validated.
func FromEnv(lookup func(string) (string, bool), c Config) (Config, error) {
	r := envconfig.NewReader(lookup, nil)
	Read(r, &c)
	if errs := r.Errors(); len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid simulator configuration:\n  %w", envconfig.JoinLines(errs))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// setting is one declaration of deployment.
type setting interface {
	declare(base Config) envconfig.Setting
	read(r *envconfig.Reader, c *Config)
}

// field is a setting held in the Config field that of points to.
type field[T any] struct {
	flag, doc string
	of        func(*Config) *T
	// parse reads a value; its error says what is wrong, without the value.
	parse func(raw string) (T, error)
	// format shows the default in the help; nil uses fmt.Sprint.
	format     func(T) string
	emptyIsSet bool
}

func (f field[T]) declare(base Config) envconfig.Setting { return f.variable(base).Setting() }

func (f field[T]) variable(base Config) envconfig.Var[T] {
	return envconfig.Var[T]{
		Env: EnvName(f.flag), Flag: f.flag, Default: *f.of(&base), Doc: f.doc, EmptyIsSet: f.emptyIsSet,
		Parser: envconfig.Parser[T]{Parse: func(raw string, _ T) (T, error) { return f.parse(raw) }, Format: f.format},
	}
}

func (f field[T]) read(r *envconfig.Reader, c *Config) {
	v := f.variable(*c)
	raw, name, ok := r.Raw(v.Setting())
	if !ok {
		return
	}
	got, err := v.Parser.Parse(raw, v.Default)
	if err != nil {
		r.Add(v.Env, fmt.Errorf("invalid value %s=%q: %w: set the %s", name, envconfig.Truncate(raw), err, f.doc))
		return
	}
	*f.of(c) = got
}

func duration(raw string) (time.Duration, error) {
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, errors.New("not a duration: give a number with a unit, such as 250ms, or 0")
	}
	return d, nil
}

func count(raw string) (int64, error) {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errors.New("not a whole number")
	}
	return n, nil
}

func seed(raw string) (uint64, error) {
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a whole number from 0 to %d", uint64(math.MaxUint64))
	}
	return n, nil
}

// text reads a value by its UnmarshalText.
func text[T any, P interface {
	*T
	encoding.TextUnmarshaler
}](raw string) (T, error) {
	var v T
	err := P(&v).UnmarshalText([]byte(raw))
	return v, err
}

// faultsDefault shows no faults as none.
func faultsDefault(r FaultRates) string {
	if len(r) == 0 {
		return FaultNone.String()
	}
	return r.String()
}
