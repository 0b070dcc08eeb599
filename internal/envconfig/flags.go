package envconfig

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
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

// Command is a program configured from its environment: its arguments are
// -h, -help or --help, or one of Subcommands.
type Command struct {
	// Name is the program's name in messages.
	Name string
	// Subcommands are the first arguments it takes besides the help; none
	// by default.
	Subcommands []string
	// Usage writes its help.
	Usage func(w io.Writer) error
}

// HandleArgs answers a command's arguments (args[0] is the program): the
// help asked for is written to stdout (exit 0); an unknown argument is
// named on stderr, with the help (exit 2). handled is false when the
// program is to run: no argument, or a subcommand first.
func (c Command) HandleArgs(args []string, stdout, stderr io.Writer) (code int, handled bool) {
	if len(args) < 2 || slices.Contains(c.Subcommands, args[1]) {
		return 0, false
	}
	switch args[1] {
	case "-h", "-help", "--help":
		if err := c.Usage(stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", c.Name, err)
			return 1, true
		}
		return 0, true
	}
	fmt.Fprintf(stderr, "%s: unknown argument %q\n\n", c.Name, args[1])
	_ = c.Usage(stderr)
	return 2, true
}
