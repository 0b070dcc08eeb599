// Command scanium-provisioner makes a Grafana match the artifacts of
// dashboards-as-code: the Scanium folder, the Mimir, Loki and Tempo
// datasources, the dashboards, alert rule groups, contact points and
// notification policy; diff compares the artifacts of two git revisions,
// offline, for review.
//
//	scanium-provisioner validate [-dir DIR]
//	scanium-provisioner plan     [-dir DIR] [-prune] [-concurrency N] [-wait D] [-allow-ui-edits] [-v]
//	scanium-provisioner apply    [-dir DIR] [-prune] [-dry-run] [-concurrency N] [-wait D] [-allow-ui-edits] [-v]
//	scanium-provisioner diff     [-dir DIR] [-format text|markdown] BASE [HEAD]
//
// See docs/provisioner.md.
package main

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// run is the whole program but for the process: arguments, environment
// (KEY=value lines) and output streams in, exit code out. The first SIGINT
// or SIGTERM cancels the run; a second one exits at once, with 1.
func run(args, env []string, stdout, stderr io.Writer) int {
	ctx, stop := signalContext(context.Background(), stderr, func() { os.Exit(cli.ExitError) })
	defer stop()
	return cli.Run(ctx, args, lookup(env), stdout, stderr)
}

// lookup reads KEY=value lines; the last one of a key wins, as in a
// process environment.
func lookup(env []string) func(string) string {
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			vars[k] = v
		}
	}
	return func(k string) string { return vars[k] }
}
