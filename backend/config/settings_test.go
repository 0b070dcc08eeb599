package config

import (
	"slices"
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// TestSettingsListEveryVariableRead: the help cannot miss a variable, since
// every variable Load asks for, with every switch on, is in Settings, once,
// with a doc.
func TestSettingsListEveryVariableRead(t *testing.T) {
	listed := map[string]bool{}
	for _, s := range Settings() {
		if listed[s.Env] || s.Doc == "" {
			t.Errorf("%s listed twice or without a doc", s.Env)
		}
		listed[s.Env] = true
	}
	asked := map[string]bool{}
	for _, set := range []map[string]string{
		{EnvAPIKeys: "k"},
		{EnvAPIKeys: "k", EnvTracesSampler: SamplerTraceIDRatio, EnvOTLPMetricsEndpoint: "http://m:1/x", EnvOTLPMetricsTimeout: "1000"},
	} {
		if _, err := Load(func(k string) (string, bool) { asked[k] = true; v, ok := set[k]; return v, ok }, "h"); err != nil {
			t.Fatal(err)
		}
	}
	for k := range asked {
		if !listed[k] {
			t.Errorf("Load reads %s, which Settings does not list", k)
		}
	}
	for k := range listed {
		if !asked[k] {
			t.Errorf("Settings lists %s, which Load never reads", k)
		}
	}
	if !slices.ContainsFunc(Settings(), func(s envconfig.Setting) bool { return s.Env == EnvPort && s.Default == DefaultPort }) {
		t.Errorf("PORT's default is not %s in the help", DefaultPort)
	}
}
