package envconfig

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// ErrHelp is ParseFlags' error for -h, -help or --help.
var ErrHelp = flag.ErrHelp

// ParseFlags reads args (without the program's name) as the flags of
// settings: -name value, -name=value, or -name alone for a boolean; one or
// two dashes. It returns the values by flag name, for NewReader; they are
// parsed there, with the variables. -h, -help and --help give ErrHelp; an
// unknown flag or an argument that is no flag is an error that says so.
func ParseFlags(program string, args []string, settings []Setting) (map[string]string, error) {
	fs := flag.NewFlagSet(program, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	values := map[string]string{}
	for _, s := range settings {
		if s.Flag == "" {
			continue
		}
		fs.Var(&flagValue{name: s.Flag, values: values, isBool: s.boolFlag}, s.Flag, s.Doc)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, ErrHelp
		}
		return nil, fmt.Errorf("%v: run %s -h for the settings", err, program)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: %s takes flags only; run %s -h for the settings", fs.Arg(0), program, program)
	}
	return values, nil
}

// flagValue records a flag's text for the Reader.
type flagValue struct {
	name   string
	values map[string]string
	isBool bool
}

func (f *flagValue) String() string { return "" }

func (f *flagValue) Set(v string) error {
	f.values[f.name] = v
	return nil
}

func (f *flagValue) IsBoolFlag() bool { return f.isBool }

// Usage writes the help of settings, one setting a line: its flag (when
// any setting has one), its variable, its default and its doc, in aligned
// columns.
func Usage(w io.Writer, settings []Setting) error {
	withFlags := false
	for _, s := range settings {
		withFlags = withFlags || s.Flag != ""
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	row := func(flagName, env, def, doc string) {
		if withFlags {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", flagName, env, def, doc)
		} else {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", env, def, doc)
		}
	}
	row("FLAG", "VARIABLE", "DEFAULT", "DESCRIPTION")
	for _, s := range settings {
		flagName, def := "", s.Default
		if s.Flag != "" {
			flagName = "-" + s.Flag
		}
		if def == "" {
			def = "(none)"
		}
		row(flagName, s.Env, oneLine(def), oneLine(s.Doc))
	}
	return tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
