// Package cli is the provisioner's command line: validate, plan, apply and
// diff, their flags, and what they print. Results go to stdout, one line per
// resource; waiting, retries, errors and -v request lines go to stderr.
//
// Exit codes: 0 success (for plan: nothing would change; for diff: the two
// revisions hold the same resources), 2 plan found changes (diff found
// differences), 1 any error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/plan"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitChanges = 2
)

// DefaultDir is where make generate writes the artifacts, relative to the
// repository root.
const DefaultDir = "dashboards-as-code/generated"

// App runs the commands. Its zero value is not usable: set the writers and
// Getenv, or use Run.
type App struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv, or a map in tests).
	Getenv func(string) string
	// Retry and HealthInterval default to production values; tests make
	// them fast.
	Retry          grafana.RetryPolicy
	HealthInterval time.Duration

	// redact is the redaction of the loaded configuration's secrets (nil
	// before it is loaded).
	redact func(string) string
}

// Run runs one command with args (without the program name) and returns
// the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	app := &App{Stdout: stdout, Stderr: stderr, Getenv: getenv}
	return app.Run(ctx, args)
}

// options are the flags of plan and apply.
type options struct {
	dir          string
	prune        bool
	dryRun       bool
	allowUIEdits bool
	concurrency  int
	wait         time.Duration
	verbose      bool
}

const usageHead = `Usage: scanium-provisioner <command> [flags]

Makes a Grafana match the artifacts of dashboards-as-code.

Commands:
  validate   check the artifacts, offline
  plan       show what apply would change (exit 0: nothing, 2: changes, 1: error)
  apply      make Grafana match the artifacts (exit 0 only when all succeeded)
  diff       compare the artifacts of two git revisions, offline:
             diff [-dir D] [-format text|markdown] BASE [HEAD]
             (HEAD defaults to the working tree; exit 0: the same, 2: they differ, 1: error)
  help       print this help (also -h, -help, --help)

Run "scanium-provisioner <command> -h" for the flags of a command.
plan and apply ask Grafana's health once and fail at once when it does not
answer; -wait 2m waits for a Grafana that starts alongside.

Environment (read by plan and apply; an empty variable is unset):
`

const usageTail = `
plan and apply also expand the ${NAME} references of contact-point settings
from the environment (webhook URLs and other values kept out of the
repository).
`

// usage writes the help: the commands, then every variable the
// configuration reads (config.Settings) with its default and doc.
func usage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	_ = envconfig.Usage(w, config.Settings())
	fmt.Fprint(w, usageTail)
}

// Run runs one command.
func (a *App) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage(a.Stderr)
		return ExitError
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "validate":
		return a.validate(rest)
	case "plan":
		return a.planOrApply(ctx, cmd, rest)
	case "apply":
		return a.planOrApply(ctx, cmd, rest)
	case "diff":
		return a.diff(ctx, rest)
	case "-h", "-help", "--help", "help":
		usage(a.Stdout)
		return ExitOK
	}
	fmt.Fprintf(a.Stderr, "unknown command %q\n\n", cmd)
	usage(a.Stderr)
	return ExitError
}

func (a *App) flags(cmd string, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("scanium-provisioner "+cmd, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	fs.StringVar(&o.dir, "dir", DefaultDir, "directory of the generated artifacts")
	if cmd == "validate" {
		return fs
	}
	fs.BoolVar(&o.prune, "prune", false, "also delete managed resources that are no longer in code")
	fs.BoolVar(&o.allowUIEdits, "allow-ui-edits", false, "write alert rules, contact points and policy editable in Grafana's UI (X-Disable-Provenance)")
	fs.IntVar(&o.concurrency, "concurrency", 4, "dashboards and rule groups read and written at once")
	fs.DurationVar(&o.wait, "wait", 0, "how long to wait for Grafana to be healthy; 0 asks once and fails at once when nothing answers (use 2m when Grafana starts alongside)")
	fs.BoolVar(&o.verbose, "v", false, "print every HTTP request (method, path, status; never credentials)")
	if cmd == "apply" {
		fs.BoolVar(&o.dryRun, "dry-run", false, "only show the plan, as plan does")
	}
	return fs
}

func (a *App) parse(cmd string, args []string) (options, int, bool) {
	var o options
	fs := a.flags(cmd, &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, ExitOK, false
		}
		return o, ExitError, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.Stderr, "%s: unexpected argument %q\n", cmd, fs.Arg(0))
		return o, ExitError, false
	}
	if cmd == "validate" {
		return o, ExitOK, true
	}
	if o.concurrency < 1 || o.concurrency > 64 {
		fmt.Fprintf(a.Stderr, "%s: -concurrency %d: must be between 1 and 64\n", cmd, o.concurrency)
		return o, ExitError, false
	}
	if o.wait < 0 {
		fmt.Fprintf(a.Stderr, "%s: -wait %s: must not be negative\n", cmd, o.wait)
		return o, ExitError, false
	}
	return o, ExitOK, true
}

// load reads and checks the artifacts.
func (a *App) load(dir string) (*artifact.Bundle, error) {
	b, err := artifact.Load(dir)
	if err != nil {
		return nil, err
	}
	if err := artifact.Validate(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (a *App) validate(args []string) int {
	o, code, ok := a.parse("validate", args)
	if !ok {
		return code
	}
	b, err := a.load(o.dir)
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	if _, err := desired.Build(config.Config{}, b); err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	fmt.Fprintf(a.Stdout, "%s: valid (%s)\n", o.dir, plan.Describe(b))
	return ExitOK
}

func (a *App) planOrApply(ctx context.Context, cmd string, args []string) int {
	o, code, ok := a.parse(cmd, args)
	if !ok {
		return code
	}
	cfg, err := config.Load(a.Getenv)
	if err != nil {
		a.errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
		return ExitError
	}
	// From here on everything printed goes through the redaction of the
	// configuration's secrets: the client redacts what it reports, and
	// this is the last line of defence for the rest (a secret stored in
	// Grafana that a plan's changes would show, say).
	red := cfg.Redactor()
	stdout, stderr := red.Writer(a.Stdout), red.Writer(a.Stderr)
	defer func() {
		_ = stdout.Flush()
		_ = stderr.Flush()
	}()
	redacted := *a
	redacted.Stdout, redacted.Stderr, redacted.redact = stdout, stderr, red.Redact
	return redacted.provision(ctx, cmd, o, cfg)
}

// provision runs plan or apply with a loaded configuration.
func (a *App) provision(ctx context.Context, cmd string, o options, cfg config.Config) int {
	applying := cmd == "apply" && !o.dryRun
	// Every artifact is checked before Grafana is even asked.
	b, err := a.load(o.dir)
	if err != nil {
		a.errorf("%v\nnothing was changed", err)
		return ExitError
	}
	if o.prune && b.Empty() {
		a.errorf("%s holds no dashboards and no rule groups: refusing to prune every managed resource", o.dir)
		return ExitError
	}
	want, err := desired.Build(cfg, b)
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}

	client, err := grafana.New(cfg, grafana.Options{
		Retry:        a.Retry,
		AllowUIEdits: o.allowUIEdits,
		Notify:       func(msg string) { fmt.Fprintln(a.Stderr, "retry: "+msg) },
		Debug:        a.debug(o.verbose),
	})
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	defer client.Close()

	health, err := client.WaitHealthy(ctx, grafana.WaitOptions{
		Timeout:  o.wait,
		Interval: a.HealthInterval,
		Waiting: func(reason error) {
			fmt.Fprintf(a.Stderr, "waiting up to %s for Grafana at %s to be healthy (%v)\n", o.wait, cfg.GrafanaURL, reason)
		},
	})
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	fmt.Fprintf(a.Stderr, "Grafana %s at %s\n", health.Version, cfg.GrafanaURL)

	popts := plan.Options{Prune: o.prune, Concurrency: o.concurrency, AllowUIEdits: o.allowUIEdits}
	if !applying {
		return a.plan(ctx, client, want, popts)
	}
	return a.apply(ctx, client, want, popts)
}

func (a *App) plan(ctx context.Context, c *grafana.Client, want *desired.State, opts plan.Options) int {
	p, err := plan.Build(ctx, c, want, opts, func(s *plan.Step) { fmt.Fprintln(a.Stdout, s.Format(a.redact)) })
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	fmt.Fprintln(a.Stdout, p.Summary())
	switch {
	case len(p.Failures()) > 0:
		return ExitError
	case p.HasChanges():
		return ExitChanges
	}
	return ExitOK
}

func (a *App) apply(ctx context.Context, c *grafana.Client, want *desired.State, opts plan.Options) int {
	fmt.Fprintf(a.Stderr, "reading the state of %d dashboards and %d rule groups in Grafana\n", len(want.Dashboards), len(want.RuleGroups))
	p, err := plan.Build(ctx, c, want, opts, nil)
	if err != nil {
		a.errorf("%v\nnothing was changed", err)
		return ExitError
	}
	if failures := p.Failures(); len(failures) > 0 {
		for _, s := range failures {
			fmt.Fprintln(a.Stdout, s.Format(a.redact))
		}
		a.errorf("%d resource(s) could not be planned; nothing was changed", len(failures))
		return ExitError
	}
	sum, err := plan.Apply(ctx, p, opts, func(r plan.Result) { fmt.Fprintln(a.Stdout, r) })
	fmt.Fprintln(a.Stdout, sum)
	if err != nil {
		a.errorf("%v", err)
		return ExitError
	}
	if !sum.OK() {
		return ExitError
	}
	return ExitOK
}

func (a *App) debug(verbose bool) func(string) {
	if !verbose {
		return nil
	}
	return func(msg string) { fmt.Fprintln(a.Stderr, msg) }
}

func (a *App) errorf(format string, args ...any) {
	fmt.Fprintf(a.Stderr, "error: "+format+"\n", args...)
}
