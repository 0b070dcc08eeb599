// Command openai-billing exports what OpenAI billed the organization: it
// polls OpenAI's Costs and Usage APIs with an admin key (OPENAI_ADMIN_KEY)
// and exports the most recent complete and settled UTC day as the
// openai_billed_ metrics over OTLP/HTTP, configured from the environment as
// the backend is (package billing has the variables and their defaults;
// openai-billing -h lists them).
//
// Without OPENAI_ADMIN_KEY it prints that reconciliation is off and idles
// until SIGINT or SIGTERM. On either signal it stops polling, exports one
// last time and exits 0; 1 means an invalid configuration, 2 an argument
// other than -h or --help, which is answered with the usage.
package main

import (
	"os"

	"github.com/scanium/openai-monitoring/backend/internal/billing"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	os.Exit(run(billing.Env{
		Args: os.Args, Lookup: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr,
		HostName: os.Hostname, Version: version,
	}))
}
