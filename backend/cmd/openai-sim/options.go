package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// envAPIKeys names the variable that holds the accepted keys, comma
// separated. It has no flag, so keys never show in a process listing.
const envAPIKeys = "SIM_API_KEYS"

// options is the command's configuration.
type options struct {
	addr            string
	shutdownTimeout time.Duration
	logLevel        slog.Level
	sim             openaisim.Config
}

// parseOptions reads the flags in args over the SIM_* variables that
// getenv returns, over openaisim.DefaultConfig. Help and flag errors are
// written to output.
func parseOptions(args []string, getenv func(string) string, output io.Writer) (options, error) {
	o := options{addr: ":8090", shutdownTimeout: 10 * time.Second, sim: openaisim.DefaultConfig()}
	fs := flag.NewFlagSet("openai-sim", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: openai-sim [flags]\n\n"+
			"Serves a simulated OpenAI API for demos and load tests.\n"+
			"The accepted API keys come from %s, comma-separated; unset, any non-empty key is accepted.\n\n"+
			"Flags:\n", envAPIKeys)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.addr, "addr", o.addr, "address to listen on")
	fs.DurationVar(&o.sim.Latency.Median, "latency-median", o.sim.Latency.Median, "median time to first token, reasoning excluded; 0 for none")
	fs.DurationVar(&o.sim.Latency.P99, "latency-p99", o.sim.Latency.P99, "99th percentile time to first token; 0 for no tail")
	fs.TextVar(&o.sim.Latency.Pace, "pace", o.sim.Latency.Pace, "tokens per second generated after the first token, reasoning first: a default, then model-prefix:rate pairs, such as 80,gpt-4o:60; 0 for instant")
	fs.DurationVar(&o.sim.HangMax, "hang-max", o.sim.HangMax, "how long a hang fault holds a request before a 504; 0 until the client leaves")
	fs.Int64Var(&o.sim.RateLimits.Requests, "limit-requests", o.sim.RateLimits.Requests, "requests allowed per request window")
	fs.DurationVar(&o.sim.RateLimits.RequestWindow, "limit-requests-window", o.sim.RateLimits.RequestWindow, "length of the request window")
	fs.Int64Var(&o.sim.RateLimits.Tokens, "limit-tokens", o.sim.RateLimits.Tokens, "tokens allowed per token window")
	fs.DurationVar(&o.sim.RateLimits.TokenWindow, "limit-tokens-window", o.sim.RateLimits.TokenWindow, "length of the token window")
	fs.TextVar(&o.sim.FaultRates, "faults", o.sim.FaultRates, "fault probabilities, such as 500:0.02,429:0.01,hang:0.001,cut:0.01 (faults: 401, 429, 500, 502, 503, hang before the answer; cut and error-chunk in the middle of a streamed answer)")
	fs.Uint64Var(&o.sim.Seed, "seed", o.sim.Seed, "seed of the fault, latency and id generators")
	fs.Func("models", "comma-separated models listed by GET /v1/models (default "+strings.Join(openaisim.DefaultModels(), ",")+")", func(s string) error {
		o.sim.Models = splitList(s)
		return nil
	})
	fs.TextVar(&o.logLevel, "log-level", o.logLevel, "minimum level of the logs: debug, info, warn or error")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", o.shutdownTimeout, "how long a shutdown waits for requests in flight")

	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := envName(f.Name)
		f.Usage += " (env " + env + ")"
		if value := getenv(env); value != "" {
			if err := fs.Set(f.Name, value); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, value, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return options{}, err
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q: openai-sim takes only flags", fs.Arg(0))
	}
	if keys := getenv(envAPIKeys); keys != "" {
		o.sim.APIKeys = splitList(keys)
		if len(o.sim.APIKeys) == 0 {
			return options{}, fmt.Errorf("%s holds no key: list keys separated by commas, or unset it to accept any key", envAPIKeys)
		}
	}
	if o.shutdownTimeout < 0 {
		return options{}, fmt.Errorf("shutdown timeout %s is negative", o.shutdownTimeout)
	}
	if err := o.sim.Validate(); err != nil {
		return options{}, err
	}
	return o, nil
}

// envName is the variable that sets a flag: SIM_ and the flag's name in
// upper case, dashes as underscores.
func envName(flagName string) string {
	return "SIM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
