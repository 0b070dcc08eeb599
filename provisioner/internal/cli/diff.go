package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/review"
)

// Output formats of diff.
const (
	formatText     = "text"
	formatMarkdown = "markdown"
)

// diff compares the artifacts of two git revisions, offline:
//
//	scanium-provisioner diff [-dir D] [-format text|markdown] BASE [HEAD]
//
// HEAD defaults to the working tree's files. Exit 0 when they hold the
// same resources, 2 when they differ, 1 on any error.
func (a *App) diff(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("scanium-provisioner diff", flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	dir := fs.String("dir", DefaultDir, "directory of the generated artifacts, in the working tree and in each revision")
	format := fs.String("format", formatText, "output: text, or markdown (GitHub-flavoured, for a job summary)")
	fs.Usage = func() {
		fmt.Fprintf(a.Stderr, "Usage: scanium-provisioner diff [-dir D] [-format text|markdown] BASE [HEAD]\n\n"+
			"Compares the artifacts of git revision BASE (origin/main, a sha, main~1) with HEAD\n"+
			"(a revision, default: the working tree's files), offline. Exit 0: the same, 2: they differ, 1: error.\n\n")
		fs.PrintDefaults()
	}
	// Flags may come before or after the revisions.
	var revs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK
			}
			return ExitError
		}
		if fs.NArg() == 0 {
			break
		}
		revs = append(revs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case *format != formatText && *format != formatMarkdown:
		fmt.Fprintf(a.Stderr, "diff: -format %q: use text or markdown\n", *format)
		return ExitError
	case len(revs) == 0:
		fmt.Fprintf(a.Stderr, "diff: give the base revision to compare with, e.g. scanium-provisioner diff origin/main\n")
		return ExitError
	case len(revs) > 2:
		fmt.Fprintf(a.Stderr, "diff: unexpected argument %q: give BASE and at most HEAD\n", revs[2])
		return ExitError
	}

	// The artifacts hold no secret of the environment (a secret setting is
	// a ${NAME} reference), but what is printed still goes through the
	// redaction: of the configuration's secrets when there is one, and of
	// any URL's credentials and secret-looking query parameters.
	cfg, err := config.Load(a.Getenv)
	if err != nil {
		cfg = config.Config{}
	}
	red := cfg.Redactor()
	stdout, stderr := red.Writer(a.Stdout), red.Writer(a.Stderr)
	defer func() {
		_ = stdout.Flush()
		_ = stderr.Flush()
	}()
	out := *a
	out.Stdout, out.Stderr, out.redact = stdout, stderr, red.Redact

	repo, err := review.OpenRepo(ctx, *dir)
	if err != nil {
		out.errorf("%v", err)
		return ExitError
	}
	base, err := repo.Load(ctx, revs[0])
	if err != nil {
		out.errorf("%v", err)
		return ExitError
	}
	headName, head := review.WorkingTree, (*artifact.Bundle)(nil)
	if len(revs) == 2 {
		headName = revs[1]
		head, err = repo.Load(ctx, revs[1])
	} else {
		head, err = artifact.Load(*dir)
	}
	if err != nil {
		out.errorf("%v", err)
		return ExitError
	}
	rep, err := review.Compare(revs[0], base, headName, head)
	if err != nil {
		out.errorf("%v", err)
		return ExitError
	}
	if *format == formatMarkdown {
		err = rep.Markdown(out.Stdout, out.redact)
	} else {
		err = rep.Text(out.Stdout, out.redact)
	}
	if err != nil {
		out.errorf("%v", err)
		return ExitError
	}
	if rep.Equal() {
		return ExitOK
	}
	return ExitChanges
}
