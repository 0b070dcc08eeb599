package envconfig

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
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

// Usage writes the help of settings, two lines each, as package flag
// does: the flag (if any), the variable and the default, then the doc.
//
//	-rate, LOADGEN_RATE (default 2)
//	    requests started per second
func Usage(w io.Writer, settings []Setting) error {
	var b strings.Builder
	for _, s := range settings {
		b.WriteString("  ")
		if s.Flag != "" {
			b.WriteString("-" + s.Flag + ", ")
		}
		b.WriteString(s.Env)
		if s.Default != "" {
			fmt.Fprintf(&b, " (default %s)", oneLine(s.Default))
		}
		b.WriteString("\n")
		if s.Doc != "" {
			b.WriteString("      " + oneLine(s.Doc) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
