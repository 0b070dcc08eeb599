package billing

import (
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// output collects what Run prints, for concurrent reading.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// running is Run in a goroutine with a signal channel.
type running struct {
	stdout, stderr output
	signals        chan os.Signal
	exit           chan int
	polls          chan error
}

func startRun(t *testing.T, env map[string]string, opts PollerOptions) *running {
	t.Helper()
	r := &running{signals: make(chan os.Signal, 1), exit: make(chan int, 1), polls: make(chan error, 16)}
	go func() {
		r.exit <- Run(Env{
			Args: []string{"openai-billing"}, Lookup: lookupOf(env), Stdout: &r.stdout, Stderr: &r.stderr,
			HostName: func() (string, error) { return "billing-test", nil }, Signals: r.signals, Version: "test",
			Poller: opts, Polled: func(_ Day, err error) { r.polls <- err },
		})
	}()
	return r
}

// stop sends SIGTERM and returns the exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.signals <- syscall.SIGTERM
	select {
	case code := <-r.exit:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not return after SIGTERM:\n%s", r.stdout.String())
		return -1
	}
}

func (r *running) nextPoll(t *testing.T) error {
	t.Helper()
	select {
	case err := <-r.polls:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("no poll happened:\n%s", r.stdout.String())
		return nil
	}
}

func TestRunWithoutAnAdminKeyIdlesUntilStopped(t *testing.T) {
	f := newFixture()
	s := newScript(t).on(EndpointCosts, f.goodCosts()).on(EndpointUsageCompletions, f.goodUsage())
	receiver := otlptest.New(t)
	healthAddr := freeAddr(t)
	r := startRun(t, map[string]string{config.EnvOpenAIBaseURL: s.url, config.EnvOTLPEndpoint: receiver.URL, EnvHealthAddr: healthAddr}, PollerOptions{})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(r.stdout.String(), "reconciliation off") {
		if time.Now().After(deadline) {
			t.Fatalf("no startup line:\n%s", r.stdout.String())
		}
		time.Sleep(time.Millisecond)
	}
	resp, err := http.Get("http://" + healthAddr + "/healthz")
	if err != nil {
		t.Fatalf("the health endpoint: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz answered %d while idle, want 200: an idle exporter is healthy", resp.StatusCode)
	}
	if code := r.stop(t); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if _, err := http.Get("http://" + healthAddr + "/healthz"); err == nil {
		t.Error("the health endpoint still answers after the exit")
	}
	lines := strings.Split(strings.TrimSpace(r.stdout.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "set "+EnvAdminKey+" to an admin key") {
		t.Errorf("output %q: want the one line that says reconciliation is off and how to turn it on, then the stop", lines)
	}
	if s.count(EndpointCosts)+s.count(EndpointUsageCompletions) != 0 || receiver.Requests("/v1/metrics") != 0 {
		t.Error("the exporter polled or exported without an admin key")
	}
}

func TestRunPollsExportsAndStopsGracefully(t *testing.T) {
	f := newFixture()
	s := newScript(t).on(EndpointCosts, f.goodCosts()).on(EndpointUsageCompletions, f.goodUsage())
	receiver := otlptest.New(t)
	const headerSecret = "otlp-tenant-token-5531"
	r := startRun(t, map[string]string{
		EnvAdminKey: adminKey, config.EnvOpenAIBaseURL: s.url, config.EnvOTLPEndpoint: receiver.URL,
		config.EnvMetricExportInterval: "3600000", // the final export only
		"OTEL_EXPORTER_OTLP_HEADERS":   "Authorization=Bearer%20" + headerSecret,
	}, PollerOptions{Now: func() time.Time { return f.now }})
	if err := r.nextPoll(t); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, r.stdout.String())
	}
	if receiver.Requests("/v1/metrics") != 1 {
		t.Errorf("%d metric exports, want the final one", receiver.Requests("/v1/metrics"))
	}
	for _, name := range []string{m.BilledCostUSD, m.BilledTokens, m.BilledRequests, m.BilledDayStartTimestampSeconds, "gpt-4o-mini-2024-07-18", DefaultServiceName} {
		if !receiver.RawContains(name) {
			t.Errorf("the final export lacks %s", name)
		}
	}
	out := r.stdout.String()
	for _, want := range []string{
		"polling " + s.url + EndpointCosts + " and " + s.url + EndpointUsageCompletions + " every 1h0m0s",
		"ended at least 6h0m0s ago", "to " + receiver.URL + "/v1/metrics",
		`"msg":"OpenAI billing polled"`, `"day":"` + f.settled.Format(time.DateOnly) + `"`, `"cost_usd":1.75`,
		`"msg":"stopped"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, adminKey) || strings.Contains(out, headerSecret) || receiver.RawContains(adminKey) {
		t.Errorf("a secret leaked into the output or the export:\n%s", out)
	}
}

func TestRunLogsAFailedPollAndKeepsTheExportedDay(t *testing.T) {
	f := newFixture()
	s := newScript(t).
		on(EndpointCosts, f.goodCosts(), status(401, "Incorrect API key provided: "+adminKey)).
		on(EndpointUsageCompletions, f.goodUsage())
	receiver := otlptest.New(t)
	r := startRun(t, map[string]string{
		EnvAdminKey: adminKey, config.EnvOpenAIBaseURL: s.url, config.EnvOTLPEndpoint: receiver.URL,
		EnvPollInterval: "1s", config.EnvMetricExportInterval: "3600000",
	}, PollerOptions{Now: func() time.Time { return f.now }})
	if err := r.nextPoll(t); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if err := r.nextPoll(t); err == nil {
		t.Fatal("the second poll succeeded; the script answers 401")
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	out := r.stdout.String()
	var failures []string
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, "poll failed") {
			failures = append(failures, line)
		}
	}
	if len(failures) == 0 {
		t.Fatalf("no line says the poll failed:\n%s", out)
	}
	for _, want := range []string{"401", EnvAdminKey, `"exported_day":"` + f.settled.Format(time.DateOnly) + `"`} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("the failure line lacks %s: %s", want, failures[0])
		}
	}
	if strings.Contains(out, adminKey) {
		t.Errorf("the output shows the admin key:\n%s", out)
	}
	// The day of the first poll is still exported.
	if !receiver.RawContains(m.BilledCostUSD) || !receiver.RawContains("gpt-4.1-2025-04-14") {
		t.Error("the final export lost the day polled before the failure")
	}
}

func TestRunRefusesABadConfigurationOrAnArgument(t *testing.T) {
	var stderr output
	code := Run(Env{Args: []string{"openai-billing"}, Lookup: lookupOf(map[string]string{EnvAdminKey: adminKey, EnvPollInterval: "soon"}),
		Stdout: &output{}, Stderr: &stderr, HostName: os.Hostname})
	if code != 1 || !strings.Contains(stderr.String(), EnvPollInterval) || strings.Contains(stderr.String(), adminKey) {
		t.Errorf("exit %d, %q; want 1 naming %s, without the key", code, stderr.String(), EnvPollInterval)
	}
	stderr = output{}
	code = Run(Env{Args: []string{"openai-billing", "serve"}, Lookup: lookupOf(nil), Stdout: &output{}, Stderr: &stderr, HostName: os.Hostname})
	if code != 2 || !strings.Contains(stderr.String(), `"serve"`) {
		t.Errorf("exit %d, %q; want 2 naming the argument", code, stderr.String())
	}
}

// freeAddr returns a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
