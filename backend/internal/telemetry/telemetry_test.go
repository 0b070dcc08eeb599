package telemetry

import (
	"context"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
)

func loadConfig(t *testing.T, kv ...string) config.Config {
	t.Helper()
	vars := map[string]string{config.EnvAPIKeys: "k"}
	for i := 0; i+1 < len(kv); i += 2 {
		vars[kv[i]] = kv[i+1]
	}
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, "nas-host")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func attrs(t *testing.T, cfg config.Config) map[string]string {
	t.Helper()
	res, err := Resource(context.Background(), cfg, Info{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range res.Attributes() {
		out[string(kv.Key)] = kv.Value.Emit()
	}
	return out
}

func TestResource(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	t.Setenv("OTEL_SERVICE_NAME", "")
	got := attrs(t, loadConfig(t, config.EnvAppEnv, "production"))
	for k, want := range map[string]string{
		"service.name": "scanium-backend", "service.version": "1.2.3",
		"deployment.environment.name": "production", "service.instance.id": "nas-host",
	} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

func TestResourceFromEnvironment(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=replica-2,team=assistant")
	got := attrs(t, loadConfig(t))
	if got["service.instance.id"] != "replica-2" || got["team"] != "assistant" {
		t.Errorf("OTEL_RESOURCE_ATTRIBUTES not applied over the defaults: %v", got)
	}
}

func TestResourceRejectsMalformedAttributes(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "no-equals-sign")
	_, err := Resource(context.Background(), loadConfig(t), Info{})
	if err == nil || !strings.Contains(err.Error(), "OTEL_RESOURCE_ATTRIBUTES") {
		t.Fatalf("err = %v, want one naming OTEL_RESOURCE_ATTRIBUTES", err)
	}
}

func TestBanner(t *testing.T) {
	on := Banner(loadConfig(t, config.EnvAppEnv, "production", config.EnvOTLPEndpoint, "http://scanium-alloy:4318"))
	if on[0] != "📊 OpenTelemetry initialized: scanium-backend (production)" || on[1] != "   Exporting to: http://scanium-alloy:4318" {
		t.Errorf("banner %q", on)
	}
	off := Banner(loadConfig(t, config.EnvOTelEnabled, "false"))
	if len(off) != 1 || !strings.Contains(off[0], "disabled") {
		t.Errorf("banner when off %q", off)
	}
}

func TestDisabledIsNoop(t *testing.T) {
	tel, err := Setup(context.Background(), loadConfig(t, config.EnvOTelEnabled, "false"), Info{})
	if err != nil || tel.Enabled || tel.MeterProvider == nil {
		t.Fatalf("tel %+v err %v", tel, err)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
