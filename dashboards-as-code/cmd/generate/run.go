package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/runbooks"
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
	runbooksPath := flags.String("runbooks", "docs/runbooks.md", "runbooks document of the alert rules, rendered from the configuration and the rules")
	check := flags.Bool("check", false, "write nothing; exit 1 when the artifacts in -out or the -runbooks document differ from what the code generates")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: generate [-config file] [-out dir] [-runbooks file] [-check]\n\n")
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
	doc, err := renderRunbooks(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "generate: runbooks: %v\n", err)
		return exitError
	}

	if *check {
		return reportDrift(*out, set, *runbooksPath, doc, stdout, stderr)
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
	wrote, err := writeIfChanged(*runbooksPath, doc)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	if wrote {
		fmt.Fprintf(stdout, "wrote %s\n", *runbooksPath)
	}
	fmt.Fprintf(stdout, "%s is up to date\n", *runbooksPath)
	return exitOK
}

// renderRunbooks renders the runbooks document of the rules built from cfg.
func renderRunbooks(cfg config.Config) ([]byte, error) {
	groups, err := alerts.Build(cfg)
	if err != nil {
		return nil, err
	}
	return runbooks.Render(cfg, groups)
}

func reportDrift(dir string, set artifacts.Set, runbooksPath string, doc []byte, stdout, stderr io.Writer) int {
	drifts, err := artifacts.Check(dir, set)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	docDrift, err := fileDrift(runbooksPath, doc)
	if err != nil {
		fmt.Fprintf(stderr, "generate: %v\n", err)
		return exitError
	}
	if len(drifts) == 0 {
		fmt.Fprintf(stdout, "%d artifacts in %s match the code\n", len(set), dir)
	}
	if docDrift == nil {
		fmt.Fprintf(stdout, "%s matches the code\n", runbooksPath)
	}
	if len(drifts) == 0 && docDrift == nil {
		return exitOK
	}
	for _, d := range drifts {
		fmt.Fprintf(stderr, "%s: %s\n", filepath.Join(dir, filepath.FromSlash(d.Path)), d.Reason())
	}
	n := len(drifts)
	if docDrift != nil {
		fmt.Fprintf(stderr, "%s: %s\n", runbooksPath, docDrift.Reason())
		n++
	}
	fmt.Fprintf(stderr, "generate: %d generated files are out of date: run make generate and commit the result\n", n)
	return exitError
}

// fileDrift compares a generated file with what the code generates: nil
// when they are equal.
func fileDrift(path string, want []byte) (*artifacts.Drift, error) {
	have, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &artifacts.Drift{Path: path, Problem: "missing"}, nil
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", path, err)
	case !bytes.Equal(have, want):
		return &artifacts.Drift{Path: path, Problem: "differs"}, nil
	}
	return nil, nil
}

// writeIfChanged replaces a file whose content differs, through a temporary
// file in the same directory so that a reader never sees half of it. It
// reports whether it wrote.
func writeIfChanged(path string, data []byte) (bool, error) {
	if have, err := os.ReadFile(path); err == nil && bytes.Equal(have, data) {
		return false, nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".generate-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := tmp.Write(data)
	err = errors.Join(werr, tmp.Close())
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return true, nil
}
