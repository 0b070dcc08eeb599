package openaisim

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flagFaults names the flag, and so the variable SIM_FAULTS, of
// Config.FaultRates.
const flagFaults = "faults"

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

// RegisterFlags defines on fs a flag for each setting of c that a
// deployment chooses: latencies and paces, the hang bound, the rate
// limits, the faults and the seed. Each flag defaults to c's value and
// sets it. EnvName gives each flag's variable.
func RegisterFlags(fs *flag.FlagSet, c *Config) {
	fs.DurationVar(&c.Latency.Median, "latency-median", c.Latency.Median, "median time to first token, reasoning excluded; 0 for none")
	fs.DurationVar(&c.Latency.P99, "latency-p99", c.Latency.P99, "99th percentile time to first token; 0 for no tail")
	fs.TextVar(&c.Latency.Pace, "pace", c.Latency.Pace, "tokens per second generated after the first token, reasoning first: a default, then model-prefix:rate pairs, such as 80,gpt-4o:60; 0 for instant")
	fs.DurationVar(&c.HangMax, "hang-max", c.HangMax, "time a hang fault holds a request before a 504; 0 until the client leaves")
	fs.Int64Var(&c.RateLimits.Requests, "limit-requests", c.RateLimits.Requests, "requests allowed per request window")
	fs.DurationVar(&c.RateLimits.RequestWindow, "limit-requests-window", c.RateLimits.RequestWindow, "length of the request window")
	fs.Int64Var(&c.RateLimits.Tokens, "limit-tokens", c.RateLimits.Tokens, "tokens allowed per token window")
	fs.DurationVar(&c.RateLimits.TokenWindow, "limit-tokens-window", c.RateLimits.TokenWindow, "length of the token window")
	fs.TextVar(&c.FaultRates, flagFaults, c.FaultRates, "fault probabilities, such as 500:0.02,429:0.01,hang:0.001,cut:0.01 (faults: 401, 429, 500, 502, 503, hang before the answer; cut and error-chunk in the middle of a streamed answer); none for no faults")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the fault, latency and id generators")
}

// EnvName is the variable that sets a flag: SIM_ and the flag's name in
// upper case, dashes as underscores (latency-median: SIM_LATENCY_MEDIAN).
func EnvName(flagName string) string {
	return "SIM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// FromEnv returns c with each setting of RegisterFlags that lookup finds set
// in its variable (EnvName) read as its flag reads it: SIM_FAULTS,
// SIM_LATENCY_MEDIAN, SIM_LATENCY_P99, SIM_PACE, SIM_HANG_MAX,
// SIM_LIMIT_REQUESTS, SIM_LIMIT_REQUESTS_WINDOW, SIM_LIMIT_TOKENS,
// SIM_LIMIT_TOKENS_WINDOW and SIM_SEED. A variable set to the empty string
// counts as unset, but for SIM_FAULTS: empty, as "none", it means no
// faults. Every problem is reported, each naming its variable, and the
// result is validated.
func FromEnv(lookup func(string) (string, bool), c Config) (Config, error) {
	fs := flag.NewFlagSet("openai-sim", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	RegisterFlags(fs, &c)
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		value, ok := lookup(env)
		if !ok || value == "" && f.Name != flagFaults {
			return
		}
		if err := fs.Set(f.Name, value); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w: set the %s", env, value, err, f.Usage))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid simulator configuration: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}
