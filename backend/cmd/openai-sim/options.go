package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// options is the command's configuration.
type options struct {
	addr            string
	shutdownTimeout time.Duration
	logLevel        slog.Level
	sim             openaisim.Config
}

// declarations are the command's own settings, besides the simulator's
// (openaisim.Settings); each flag's variable is openaisim.EnvName's.
type declarations struct {
	addr            envconfig.Var[string]
	models, apiKeys envconfig.Var[[]string]
	logLevel        envconfig.Var[slog.Level]
	shutdownTimeout envconfig.Var[time.Duration]
}

func declare() declarations {
	env := openaisim.EnvName
	return declarations{
		addr: envconfig.Var[string]{Env: env("addr"), Flag: "addr", Default: ":8090", Parser: envconfig.String(),
			Doc: "address to listen on"},
		models: envconfig.Var[[]string]{Env: env("models"), Flag: "models", Default: openaisim.DefaultModels(), Parser: envconfig.List(envconfig.String()),
			Doc: "comma-separated models listed by GET /v1/models"},
		logLevel: envconfig.Var[slog.Level]{Env: env("log-level"), Flag: "log-level", Default: slog.LevelInfo, Parser: envconfig.LogLevel(),
			Doc: "minimum level of the logs: debug, info, warn or error"},
		shutdownTimeout: envconfig.Var[time.Duration]{Env: env("shutdown-timeout"), Flag: "shutdown-timeout", Default: 10 * time.Second, Parser: envconfig.Duration(0),
			Doc: "how long a shutdown waits for requests in flight"},
		// The accepted keys have no flag, so they never show in a process
		// listing.
		apiKeys: envconfig.Var[[]string]{Env: "SIM_API_KEYS", DefaultDoc: "any non-empty key", Parser: envconfig.List(envconfig.String()),
			Doc: "accepted API keys, comma-separated; read from the environment only, never from a flag"},
	}
}

// settings lists every setting, in the order of the help.
func (d declarations) settings(sim openaisim.Config) []envconfig.Setting {
	out := []envconfig.Setting{d.addr.Setting()}
	out = append(out, openaisim.Settings(sim)...)
	return append(out, d.models.Setting(), d.logLevel.Setting(), d.shutdownTimeout.Setting(), d.apiKeys.Setting())
}

// usage is the command's help.
func usage(w io.Writer, settings []envconfig.Setting) {
	fmt.Fprint(w, "Usage: openai-sim [flags]\n\n"+
		"Serves a simulated OpenAI API for demos and load tests.\n"+
		"Each flag has an environment variable; the flag wins over the variable,\n"+
		"the variable over the default.\n\n"+
		"Flags and variables:\n")
	_ = envconfig.Usage(w, settings)
}

// parseOptions reads the flags in args over the SIM_* variables that
// getenv returns (empty is unset), over openaisim.DefaultConfig. -h writes
// the help to output and returns envconfig.ErrHelp. Every problem is
// reported, each naming its flag or variable.
func parseOptions(args []string, getenv func(string) string, output io.Writer) (options, error) {
	d := declare()
	o := options{sim: openaisim.DefaultConfig()}
	settings := d.settings(o.sim)
	flags, err := envconfig.ParseFlags("openai-sim", args, settings)
	if errors.Is(err, envconfig.ErrHelp) {
		usage(output, settings)
		return options{}, err
	}
	if err != nil {
		return options{}, err
	}
	r := envconfig.NewReader(func(k string) (string, bool) { v := getenv(k); return v, v != "" }, flags)
	o.addr = envconfig.Get(r, d.addr)
	openaisim.Read(r, &o.sim)
	if models, set := envconfig.Lookup(r, d.models); set {
		o.sim.Models = models
	}
	o.logLevel = envconfig.Get(r, d.logLevel)
	o.shutdownTimeout = envconfig.Get(r, d.shutdownTimeout)
	if keys, set := envconfig.Lookup(r, d.apiKeys); set {
		if len(keys) == 0 {
			r.Add(d.apiKeys.Env, fmt.Errorf("%s holds no key: list keys separated by commas, or unset it to accept any key", d.apiKeys.Env))
		}
		o.sim.APIKeys = keys
	}
	if errs := r.Errors(); len(errs) > 0 {
		return options{}, envconfig.JoinLines(errs)
	}
	if err := o.sim.Validate(); err != nil {
		return options{}, err
	}
	return o, nil
}
