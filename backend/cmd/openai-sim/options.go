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
	// The deployment's settings, declared once with the simulator.
	openaisim.RegisterFlags(fs, &o.sim)
	fs.Func("models", "comma-separated models listed by GET /v1/models (default "+strings.Join(openaisim.DefaultModels(), ",")+")", func(s string) error {
		o.sim.Models = splitList(s)
		return nil
	})
	fs.TextVar(&o.logLevel, "log-level", o.logLevel, "minimum level of the logs: debug, info, warn or error")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", o.shutdownTimeout, "how long a shutdown waits for requests in flight")

	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := openaisim.EnvName(f.Name)
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
