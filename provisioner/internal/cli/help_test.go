package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig"
	"github.com/scanium/openai-monitoring/provisioner/config"
)

// runCLI runs the CLI through Run with the environment env.
func runCLI(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHelpListsEveryVariableLoadReads: -h and help print the commands and
// every variable config.Load reads, each with its default and doc.
func TestHelpListsEveryVariableLoadReads(t *testing.T) {
	asked := map[string]bool{}
	_, _ = config.Load(func(k string) string { asked[k] = true; return "" })
	if len(asked) == 0 {
		t.Fatal("config.Load read no variable")
	}
	docs := map[string]envconfig.Setting{}
	for _, s := range config.Settings() {
		docs[s.Env] = s
	}
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		code, stdout, stderr := runCLI(nil, arg)
		if code != ExitOK || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage: scanium-provisioner <command>") || !strings.Contains(stdout, "\n  apply ") {
			t.Errorf("%s: no usage:\n%s", arg, stdout)
		}
		for env := range asked {
			entry := "\n  " + env
			s, declared := docs[env]
			if declared && s.Default != "" {
				entry += " (default " + s.Default + ")"
			}
			entry += "\n      "
			if declared {
				entry += s.Doc + "\n"
			}
			if !strings.Contains(stdout, entry) {
				t.Errorf("%s: the help lacks %s with its default and doc:\n%s", arg, env, stdout)
			}
		}
	}
}

// TestEveryUsageErrorShowsTheVariables: no command and an unknown one get
// the same help on stderr, and exit 1.
func TestEveryUsageErrorShowsTheVariables(t *testing.T) {
	for _, args := range [][]string{nil, {"provision"}} {
		code, stdout, stderr := runCLI(nil, args...)
		if code != ExitError || stdout != "" || !strings.Contains(stderr, "Usage: scanium-provisioner") || !strings.Contains(stderr, "\n  "+config.EnvGrafanaToken+"\n") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestCommandHelpKeepsItsFlags: a command's -h prints its own flags, not
// the variables.
func TestCommandHelpKeepsItsFlags(t *testing.T) {
	for cmd, flag := range map[string]string{"validate": "-dir", "plan": "-wait", "apply": "-dry-run", "diff": "-format"} {
		code, _, stderr := runCLI(nil, cmd, "-h")
		if code != ExitOK || !strings.Contains(stderr, flag) || strings.Contains(stderr, config.EnvGrafanaToken+"\n") {
			t.Errorf("%s -h: exit %d, stderr %q; want 0 and its flag %s", cmd, code, stderr, flag)
		}
	}
}
