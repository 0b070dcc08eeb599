package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/app"
)

func runWith(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(app.Env{
		Args:   append([]string{"scanium-backend"}, args...),
		Lookup: func(string) (string, bool) { return "", false },
		Stdout: &out, Stderr: &errOut, HostName: os.Hostname,
	})
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		code, stdout, stderr := runWith(arg)
		if code != 0 || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage:\n  scanium-backend ") || !strings.Contains(stdout, "healthcheck [url]") {
			t.Errorf("%s: no usage line:\n%s", arg, stdout)
		}
		// Every variable Load reads, with its default and doc.
		for _, s := range config.Settings() {
			entry := "  " + s.Env
			if s.Default != "" {
				entry += " (default " + s.Default + ")"
			}
			if !strings.Contains(stdout, entry+"\n      "+s.Doc+"\n") {
				t.Errorf("%s: the help lacks %q with its doc", arg, entry)
			}
		}
		for _, want := range []string{"  PORT (default " + config.DefaultPort + ")", "  OPENAI_TIMEOUT (default 30s)",
			"  OTEL_METRIC_EXPORT_INTERVAL (default " + strconv.FormatInt(config.DefaultExportInterval.Milliseconds(), 10) + ")",
			"  SCANIUM_API_KEYS\n", "  SIM_FAULTS (default "} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: the help lacks %q", arg, want)
			}
		}
	}
}

func TestUnknownArgumentGetsTheUsage(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"-v"}, {"--port", "80"}} {
		code, stdout, stderr := runWith(args...)
		if code != 2 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing on stdout", args, code, stdout)
		}
		if !strings.HasPrefix(stderr, `scanium-backend: unknown argument "`+args[0]+`"`) || !strings.Contains(stderr, "Usage:\n") || !strings.Contains(stderr, "  OPENAI_API_KEY\n") {
			t.Errorf("%q: stderr %q; want the argument named and the usage", args, stderr)
		}
	}
}

// Without arguments the backend starts, here to refuse its configuration:
// run hands it to app.Run.
func TestNoArgumentServes(t *testing.T) {
	code, _, stderr := runWith()
	if code != 1 || !strings.Contains(stderr, "SCANIUM_API_KEYS: not set") {
		t.Errorf("exit %d, stderr %q; want the configuration refused", code, stderr)
	}
}

// healthcheck still reaches app.Run: an invalid PORT is its own error.
func TestHealthcheckIsNoUnknownArgument(t *testing.T) {
	var errOut bytes.Buffer
	code := run(app.Env{Args: []string{"scanium-backend", "healthcheck"}, Stdout: io.Discard, Stderr: &errOut,
		Lookup: func(k string) (string, bool) { return "x", k == config.EnvPort }})
	if code != 2 || !strings.Contains(errOut.String(), `healthcheck: PORT "x" is not a TCP port`) {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
