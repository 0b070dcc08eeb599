// Command scanium-backend is Scanium's assistant service, instrumented with
// OpenTelemetry metrics of its OpenAI calls.
//
//	scanium-backend                   serve (configured from the environment)
//	scanium-backend healthcheck [url] exit 0 when /healthz (or url) answers 200
//	scanium-backend -h | --help       print the usage and every variable read
//
// Serving ends on SIGINT or SIGTERM, within SHUTDOWN_TIMEOUT: in-flight
// requests drain, then the metrics are exported one last time. The exit
// status is 0 when every request finished, 1 when the drain overran its
// budget and connections were cut, on a second signal (which exits at once),
// or when the configuration is invalid; 2 for an unknown argument, which is
// answered with the usage.
package main

import (
	"os"

	"github.com/scanium/openai-monitoring/backend/internal/app"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	os.Exit(run(app.Env{
		Args: os.Args, Lookup: os.LookupEnv, Stdout: os.Stdout, Stderr: os.Stderr,
		HostName: os.Hostname, Version: version,
	}))
}
