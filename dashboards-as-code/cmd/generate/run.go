package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/validate"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("generate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "dashboards-as-code/config.yaml", "reviewed configuration: thresholds, budget, prices, notifications")
	out := flags.String("out", "dashboards-as-code/generated", "directory of the generated artifacts")
	check := flags.Bool("check", false, "write nothing; exit 1 when the artifacts in -out differ from what the code generates")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: generate [-config file] [-out dir] [-check]\n\n")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "generate: unexpected argument %q\n", flags.Arg(0))
		flags.Usage()
		return exitUsage
	}

	cfg, err := config.Load(*configPath)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "generate: %v: run from the repository root or pass -config\n", err)
		return exitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	set, err := artifacts.Render(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	if err := validate.Artifacts(set); err != nil {
		fmt.Fprintf(stderr, "generate: the generated artifacts are invalid, fix the code or the configuration:\n%v\n", err)
		return exitError
	}

	if *check {
		return reportDrift(*out, set, stdout, stderr)
	}
	changes, err := artifacts.Write(*out, set)
	for _, c := range changes {
		fmt.Fprintf(stdout, "%s %s\n", c.Action, filepath.Join(*out, filepath.FromSlash(c.Path)))
	}
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "%d artifacts in %s are up to date (%d changed)\n", len(set), *out, len(changes))
	return exitOK
}

func reportDrift(dir string, set artifacts.Set, stdout, stderr io.Writer) int {
	drifts, err := artifacts.Check(dir, set)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	if len(drifts) == 0 {
		fmt.Fprintf(stdout, "%d artifacts in %s match the code\n", len(set), dir)
		return exitOK
	}
	for _, d := range drifts {
		fmt.Fprintf(stderr, "%s: %s\n", filepath.Join(dir, filepath.FromSlash(d.Path)), d.Reason())
	}
	fmt.Fprintf(stderr, "generate: %d generated files are out of date: run make generate and commit the result\n", len(drifts))
	return exitError
}
