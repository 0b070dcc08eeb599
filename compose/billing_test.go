package compose

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	backendconfig "github.com/scanium/openai-monitoring/backend/config"
)

// billingService is the billing exporter, optional in the billing profile.
const billingService = "scanium-openai-billing"

// The billing exporter's variables (backend/internal/billing).
const (
	envAdminKey     = "OPENAI_ADMIN_KEY"
	envSettleDelay  = "BILLING_SETTLE_DELAY"
	envPollInterval = "BILLING_POLL_INTERVAL"
	envHealthAddr   = "BILLING_HEALTH_ADDR"
)

func TestBillingExporterIsOptionalAndOffWithoutAnAdminKey(t *testing.T) {
	p := loadExample(t, nil)
	s := service(t, p, billingService)
	if !slices.Equal(s.Profiles, []string{"billing"}) {
		t.Errorf("%s has profiles %v, want [billing]: it needs an admin key few deployments have", billingService, s.Profiles)
	}
	if key, ok := env(s, envAdminKey); !ok || key != "" {
		t.Errorf("%s gets %s=%q from .env.example, want it passed and empty (reconciliation off)", billingService, envAdminKey, key)
	}
	if !slices.Equal(s.Entrypoint, []string{"/usr/local/bin/openai-billing"}) {
		t.Errorf("%s runs %v, want the openai-billing binary of the backend image", billingService, s.Entrypoint)
	}
	backend := service(t, p, backendService)
	if s.Build == nil || backend.Build == nil || s.Build.Dockerfile != backend.Build.Dockerfile || s.Build.Context != backend.Build.Context {
		t.Errorf("%s does not build the backend's image", billingService)
	}
	for _, name := range []string{envSettleDelay, envPollInterval} {
		raw, _ := env(s, name)
		if d, err := time.ParseDuration(raw); err != nil || d <= 0 {
			t.Errorf("%s: %s=%q is not a positive duration", billingService, name, raw)
		}
	}
	with := service(t, loadExample(t, map[string]string{envAdminKey: "sk-admin-from-env"}), billingService)
	if key, _ := env(with, envAdminKey); key != "sk-admin-from-env" {
		t.Errorf("%s gets %s=%q, want the value of compose/.env", billingService, envAdminKey, key)
	}
}

func TestBillingExporterReadsTheBackendsOpenAIAndExportsWhereTheBackendDoes(t *testing.T) {
	for _, overrides := range []map[string]string{nil, {
		backendconfig.EnvOpenAIBaseURL: "https://proxy.example.com/v1", backendconfig.EnvOTLPEndpoint: "http://collector:4318",
		backendconfig.EnvMetricExportInterval: "30000", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=nas",
	}} {
		p := loadExample(t, overrides)
		billing, backend := service(t, p, billingService), service(t, p, backendService)
		for _, name := range []string{
			backendconfig.EnvOpenAIBaseURL, backendconfig.EnvOTLPEndpoint, backendconfig.EnvMetricExportInterval,
			backendconfig.EnvOTelEnabled, "OTEL_RESOURCE_ATTRIBUTES", backendconfig.EnvAppEnv, backendconfig.EnvLogLevel,
		} {
			got, ok := env(billing, name)
			want, _ := env(backend, name)
			if !ok || got != want {
				t.Errorf("%s=%q for %s, %q for %s: the exporter follows the backend", name, got, billingService, want, backendService)
			}
		}
		// Its own service.name, so that its job label is its own.
		if name, ok := env(billing, backendconfig.EnvOTelServiceName); ok {
			t.Errorf("%s sets %s=%q: leave it to the exporter's own default", billingService, backendconfig.EnvOTelServiceName, name)
		}
		if _, ok := billing.DependsOn[alloyService]; !ok {
			t.Errorf("%s does not wait for %s, where it exports", billingService, alloyService)
		}
	}
}

// demoEnv reads the variables the Makefile's demo target sets over
// compose/.env (DEMO_ENV).
func demoEnv(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var def string
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		if rest, ok := strings.CutPrefix(line, "DEMO_ENV :="); ok {
			def = rest
			for strings.HasSuffix(strings.TrimSpace(def), "\\") && i+1 < len(lines) {
				i++
				def = strings.TrimSuffix(strings.TrimSpace(def), "\\") + " " + lines[i]
			}
			break
		}
	}
	out := map[string]string{}
	for _, field := range strings.Fields(def) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			t.Fatalf("DEMO_ENV holds %q, not NAME=value", field)
		}
		out[k] = v
	}
	if len(out) == 0 {
		t.Fatal("the Makefile defines no DEMO_ENV")
	}
	if !strings.Contains(string(raw), "$(DEMO_ENV) $(COMPOSE) --profile demo --profile billing up") {
		t.Error("the demo target does not start the demo and billing profiles with DEMO_ENV")
	}
	return out
}

func TestDemoReconcilesTheSimulatorsBillWithoutAKey(t *testing.T) {
	b := loadBundle(t)
	b.project = loadExample(t, demoEnv(t))
	sim := service(t, b.project, simService)
	simAddr, _ := env(sim, "SIM_ADDR")
	simPort := port(t, "SIM_ADDR", simAddr)
	for _, svc := range []string{backendService, billingService} {
		s := service(t, b.project, svc)
		raw, _ := env(s, backendconfig.EnvOpenAIBaseURL)
		u := parseURL(t, svc+" "+backendconfig.EnvOpenAIBaseURL, raw)
		expectTarget(t, svc+"'s OpenAI", u, b.serviceAt(t, u.Hostname()), simService, simPort)
		if u.Path != "/v1" {
			t.Errorf("%s: %s path %q, want /v1", svc, backendconfig.EnvOpenAIBaseURL, u.Path)
		}
	}
	// A key makes the backend call the simulator container, not its
	// built-in one, so that the simulator bills what the backend used.
	if key, _ := env(service(t, b.project, backendService), backendconfig.EnvOpenAIKey); key == "" {
		t.Errorf("the demo's backend has no %s: it would answer from its built-in simulator", backendconfig.EnvOpenAIKey)
	}
	billing := service(t, b.project, billingService)
	if key, _ := env(billing, envAdminKey); key == "" {
		t.Errorf("the demo's %s has no %s: reconciliation would be off", billingService, envAdminKey)
	}
	raw, _ := env(billing, envSettleDelay)
	if d, err := time.ParseDuration(raw); err != nil || d > time.Hour {
		t.Errorf("the demo's %s=%q: want a short settle delay, the simulator's days are final at once", envSettleDelay, raw)
	}
	if sim.Profiles[0] != "demo" || !slices.Contains(billing.Profiles, "billing") {
		t.Errorf("profiles: simulator %v, billing %v", sim.Profiles, billing.Profiles)
	}
}
