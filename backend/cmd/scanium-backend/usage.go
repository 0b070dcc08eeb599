package main

import (
	"fmt"
	"io"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/app"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// run answers -h and --help with the usage, refuses an unknown argument
// with it, and leaves serving and the health check to app.Run.
func run(env app.Env) int {
	cmd := envconfig.Command{Name: "scanium-backend", Subcommands: []string{"healthcheck"}, Usage: usage}
	if code, handled := cmd.HandleArgs(env.Args, env.Stdout, env.Stderr); handled {
		return code
	}
	return app.Run(env)
}

// usage prints what the backend is and every variable it reads, from the
// declarations Load reads them by.
func usage(w io.Writer) error {
	fmt.Fprintf(w, `Usage:
  scanium-backend                    serve, configured from the environment
  scanium-backend healthcheck [url]  exit 0 when /healthz (or url) answers 200
  scanium-backend -h | --help        print this help

Scanium's assistant service: POST /api/assistant/chat answers through
OpenAI, or through a built-in OpenAI simulator when %s is
unset. Every OpenAI call is measured (OpenTelemetry metrics, spans and
logs over OTLP/HTTP).
Exit status: 0 after a clean shutdown, 1 for an invalid configuration or a
cut drain, 2 for an unknown argument.

Environment:
`, config.EnvOpenAIKey)
	if err := envconfig.Usage(w, config.Settings()); err != nil {
		return err
	}
	fmt.Fprintf(w, `
The OTLP exporters also read the standard OTEL_EXPORTER_OTLP_* variables of
headers, compression and certificates, and OTEL_RESOURCE_ATTRIBUTES.

Built-in simulator (only when %s is unset):
`, config.EnvOpenAIKey)
	return envconfig.Usage(w, simulatorSettings())
}

// simulatorSettings are the SIM_* variables the built-in simulator reads
// (openaisim.FromEnv), from the simulator's declarations, with the demo's
// defaults; the backend takes no flag of them.
func simulatorSettings() []envconfig.Setting {
	out := openaisim.Settings(openaisim.DemoConfig())
	for i := range out {
		out[i].Flag = ""
	}
	return out
}
