package main

import (
	"fmt"
	"io"

	"github.com/scanium/openai-monitoring/backend/internal/billing"
	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// run answers -h and --help with the usage, refuses any other argument
// with it, and leaves the rest to billing.Run.
func run(env billing.Env) int {
	cmd := envconfig.Command{Name: "openai-billing", Usage: usage}
	if code, handled := cmd.HandleArgs(env.Args, env.Stdout, env.Stderr); handled {
		return code
	}
	return billing.Run(env)
}

// usage prints what the exporter is and every variable it reads, from the
// declarations billing.Load reads them by.
func usage(w io.Writer) error {
	fmt.Fprintf(w, `Usage:
  openai-billing              poll and export, configured from the environment
  openai-billing -h | --help  print this help

Exports what OpenAI billed the organization: it polls OpenAI's Costs
and Usage APIs with an admin key (%s) and exports the most
recent complete and settled UTC day as metrics over OTLP/HTTP. Without
the key it idles.
Exit status: 0 after SIGINT or SIGTERM, 1 for an invalid configuration or a
failed start, 2 for an argument.

Environment:
`, billing.EnvAdminKey)
	if err := envconfig.Usage(w, billing.Settings()); err != nil {
		return err
	}
	_, err := io.WriteString(w, `
The OTLP exporter also reads the standard OTEL_EXPORTER_OTLP_* variables of
headers, compression and certificates, and OTEL_RESOURCE_ATTRIBUTES.
`)
	return err
}
