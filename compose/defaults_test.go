package compose

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	backendconfig "github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// provisionerDockerfile builds the provisioner's image; it copies the
// artifacts to the directory its command applies.
const provisionerDockerfile = "../provisioner/Dockerfile"

// The provisioner's one-shot run must wait for Grafana's API itself: its
// own default is to ask once and fail.
func TestProvisionerWaitsForGrafanaExplicitly(t *testing.T) {
	s := service(t, loadExample(t, nil), provisionerService)
	cmd := []string(s.Command)
	if len(cmd) == 0 || cmd[0] != "apply" {
		t.Fatalf("%s: command %q, want apply with its flags", provisionerService, cmd)
	}
	flag := func(name string) (string, bool) {
		i := slices.Index(cmd, name)
		if i < 0 || i+1 >= len(cmd) {
			return "", false
		}
		return cmd[i+1], true
	}
	raw, ok := flag("-wait")
	if !ok {
		t.Fatalf("%s: command %q has no -wait: the provisioner would ask Grafana once and fail", provisionerService, cmd)
	}
	if wait, err := time.ParseDuration(raw); err != nil || wait < time.Minute {
		t.Errorf("%s: -wait %q, want a duration of at least 1m (err %v)", provisionerService, raw, err)
	}
	dir, ok := flag("-dir")
	if !ok {
		t.Fatalf("%s: command %q has no -dir", provisionerService, cmd)
	}
	if want := imageArtifactDir(t); dir != want {
		t.Errorf("%s: -dir %s, but %s copies the artifacts to %s", provisionerService, dir, provisionerDockerfile, want)
	}
}

// imageArtifactDir is where the provisioner's image holds the artifacts.
func imageArtifactDir(t *testing.T) string {
	t.Helper()
	f, err := os.Open(provisionerDockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 3 && fields[0] == "COPY" && strings.TrimSuffix(fields[1], "/") == "dashboards-as-code/generated" {
			return strings.TrimSuffix(fields[2], "/")
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("%s does not COPY dashboards-as-code/generated", provisionerDockerfile)
	return ""
}

// Both simulators, the demo's container and the backend's built-in one,
// inject faults unless told otherwise, so that the error panels and alerts
// have something to show.
func TestSimulatorsInjectFaultsByDefault(t *testing.T) {
	for name, overrides := range map[string]map[string]string{
		"as in .env.example": nil,
		"unset":              {"SIM_FAULTS": ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := loadExample(t, overrides)
			for _, svc := range []string{simService, backendService} {
				raw, ok := env(service(t, p, svc), "SIM_FAULTS")
				if !ok {
					t.Errorf("%s gets no SIM_FAULTS", svc)
					continue
				}
				rates, err := openaisim.ParseFaultRates(raw)
				if err != nil {
					t.Errorf("%s: SIM_FAULTS=%q: %v", svc, raw, err)
					continue
				}
				sum := 0.0
				for _, rate := range rates {
					sum += rate
				}
				if sum <= 0 {
					t.Errorf("%s: SIM_FAULTS=%q injects no fault", svc, raw)
				}
			}
		})
	}
}

// The export interval compose passes when OTEL_METRIC_EXPORT_INTERVAL is
// unset is the backend's own default, which the freshness budget counts.
func TestExportIntervalDefaultsAsTheBackendDoes(t *testing.T) {
	want := strconv.FormatInt(backendconfig.DefaultExportInterval.Milliseconds(), 10)
	for name, overrides := range map[string]map[string]string{
		"as in .env.example": nil,
		"unset":              {backendconfig.EnvMetricExportInterval: ""},
	} {
		t.Run(name, func(t *testing.T) {
			got, ok := env(service(t, loadExample(t, overrides), backendService), backendconfig.EnvMetricExportInterval)
			if !ok || got != want {
				t.Errorf("%s: %s=%q, the backend's default is %s ms", backendService, backendconfig.EnvMetricExportInterval, got, want)
			}
		})
	}
}

// The drain part of the backend's shutdown (SHUTDOWN_TIMEOUT less the
// export timeout) lets a chat call that has just begun finish, and Docker
// waits for the whole of it.
func TestBackendShutdownDrainsAnOpenAICall(t *testing.T) {
	s := service(t, loadExample(t, nil), backendService)
	duration := func(name string) time.Duration {
		raw, ok := env(s, name)
		if !ok {
			t.Fatalf("%s gets no %s", backendService, name)
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, raw, err)
		}
		return d
	}
	shutdown := duration(backendconfig.EnvShutdownTimeout)
	openAI := duration(backendconfig.EnvOpenAITimeout)
	if drain := shutdown - backendconfig.DefaultExportTimeout; drain < openAI {
		t.Errorf("%s=%s leaves %s to drain after the %s final export, less than %s=%s", backendconfig.EnvShutdownTimeout, shutdown, drain, backendconfig.DefaultExportTimeout, backendconfig.EnvOpenAITimeout, openAI)
	}
	if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= shutdown {
		t.Errorf("%s: stop_grace_period %v, want more than %s=%s", backendService, s.StopGracePeriod, backendconfig.EnvShutdownTimeout, shutdown)
	}
}
