package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/billing"
)

func runWith(lookup func(string) (string, bool), args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(billing.Env{
		Args: append([]string{"openai-billing"}, args...), Lookup: lookup,
		Stdout: &out, Stderr: &errOut, HostName: os.Hostname,
	})
	return code, out.String(), errOut.String()
}

func noEnv(string) (string, bool) { return "", false }

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		code, stdout, stderr := runWith(noEnv, arg)
		if code != 0 || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage:\n  openai-billing ") {
			t.Errorf("%s: no usage line:\n%s", arg, stdout)
		}
		for _, s := range billing.Settings() {
			entry := "  " + s.Env
			if s.Default != "" {
				entry += " (default " + s.Default + ")"
			}
			if !strings.Contains(stdout, entry+"\n      "+s.Doc+"\n") {
				t.Errorf("%s: the help lacks %q with its doc", arg, entry)
			}
		}
		for _, want := range []string{
			"  " + billing.EnvAdminKey + "\n", "  " + billing.EnvPollInterval + " (default 1h0m0s)",
			"  " + config.EnvOTelServiceName + " (default " + billing.DefaultServiceName + ")",
			"  " + config.EnvOTLPEndpoint + " (default " + config.DefaultOTLPEndpoint + ")",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: the help lacks %q", arg, want)
			}
		}
		// The backend's own settings are not the exporter's.
		for _, absent := range []string{config.EnvAPIKeys, config.EnvOpenAIKey, config.EnvMaxConnections, config.EnvTracesExporter} {
			if strings.Contains(stdout, "  "+absent+" ") || strings.Contains(stdout, "  "+absent+"\n") {
				t.Errorf("%s: the help lists %s, which the exporter does not read", arg, absent)
			}
		}
	}
}

func TestUnknownArgumentGetsTheUsage(t *testing.T) {
	for _, args := range [][]string{{"poll"}, {"-v"}} {
		code, stdout, stderr := runWith(noEnv, args...)
		if code != 2 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q", args, code, stdout)
		}
		if !strings.HasPrefix(stderr, `openai-billing: unknown argument "`+args[0]+`"`) || !strings.Contains(stderr, "  "+billing.EnvAdminKey+"\n") {
			t.Errorf("%q: stderr %q; want the argument named and the usage", args, stderr)
		}
	}
}

// Without arguments the exporter starts, here to refuse its configuration.
func TestNoArgumentRuns(t *testing.T) {
	lookup := func(k string) (string, bool) { return "hourly", k == billing.EnvPollInterval }
	code, _, stderr := runWith(lookup)
	if code != 1 || !strings.Contains(stderr, billing.EnvPollInterval+`: "hourly" is not a duration`) {
		t.Errorf("exit %d, stderr %q; want the configuration refused", code, stderr)
	}
}
