package config

import (
	"slices"
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig"
	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

// TestSettingsListEveryVariableRead: the help cannot miss a variable, since
// every variable Load asks for, with every switch on, is in Settings, once,
// with a doc.
func TestSettingsListEveryVariableRead(t *testing.T) {
	asked := map[string]bool{}
	for _, set := range []map[string]string{
		{EnvAPIKeys: "k"},
		{EnvAPIKeys: "k", EnvTracesSampler: SamplerTraceIDRatio, EnvOTLPMetricsEndpoint: "http://m:1/x", EnvOTLPMetricsTimeout: "1000"},
	} {
		if _, err := Load(func(k string) (string, bool) { asked[k] = true; v, ok := set[k]; return v, ok }, "h"); err != nil {
			t.Fatal(err)
		}
	}
	envconfigtest.CheckSettingsCoverReads(t, Settings(), asked)
	if !slices.ContainsFunc(Settings(), func(s envconfig.Setting) bool { return s.Env == EnvPort && s.Default == DefaultPort }) {
		t.Errorf("PORT's default is not %s in the help", DefaultPort)
	}
}
