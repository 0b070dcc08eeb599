package billing

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

func lookupOf(env map[string]string) config.LookupFunc {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c Config)
		err   []string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c Config) {
				if c.Enabled() || c.BaseURL != config.DefaultOpenAIBaseURL || c.PollInterval != DefaultPollInterval ||
					c.PollTimeout != DefaultPollTimeout || c.SettleDelay != DefaultSettleDelay ||
					c.LookbackDays != DefaultLookbackDays || c.MaxModels != DefaultMaxModels {
					t.Errorf("config %+v, want the defaults, off", c)
				}
				tel := c.Telemetry
				if !tel.Enabled || tel.ServiceName != DefaultServiceName || tel.MetricsURL != config.DefaultOTLPEndpoint+"/v1/metrics" ||
					tel.ExportInterval != config.DefaultExportInterval || tel.ExportTimeout != config.DefaultExportTimeout ||
					tel.Traces.Enabled || tel.Logs.Enabled || tel.HostName != "billing-host" || c.Environment != config.DefaultEnvironment {
					t.Errorf("telemetry %+v, want the backend's defaults with the exporter's name, metrics only", tel)
				}
			},
		},
		{
			name: "everything set",
			env: map[string]string{
				EnvAdminKey: adminKey, config.EnvOpenAIBaseURL: "http://scanium-openai-sim:8090/v1/",
				EnvHealthAddr: ":8098", EnvPollInterval: "5m", EnvPollTimeout: "30s", EnvSettleDelay: "10m", EnvLookbackDays: "7", EnvMaxModels: "20",
				config.EnvOTelServiceName: "billing", config.EnvOTLPEndpoint: "http://scanium-alloy:4318",
				config.EnvMetricExportInterval: "2000", config.EnvOTLPTimeout: "3000", config.EnvAppEnv: "nas", config.EnvLogLevel: "debug",
				// The backend's own settings are not the exporter's business.
				config.EnvAPIKeys: "", config.EnvOpenAIKey: "", config.EnvMaxConnections: "not-a-number",
			},
			check: func(t *testing.T, c Config) {
				if !c.Enabled() || c.AdminKey.Reveal() != adminKey || c.BaseURL != "http://scanium-openai-sim:8090/v1" ||
					c.PollInterval != 5*time.Minute || c.PollTimeout != 30*time.Second || c.SettleDelay != 10*time.Minute ||
					c.LookbackDays != 7 || c.MaxModels != 20 || c.Environment != "nas" || c.HealthAddr != ":8098" {
					t.Errorf("config %+v, want the environment's values", c)
				}
				if c.Telemetry.ServiceName != "billing" || c.Telemetry.MetricsURL != "http://scanium-alloy:4318/v1/metrics" ||
					c.Telemetry.ExportInterval != 2*time.Second || c.Telemetry.ExportTimeout != 3*time.Second {
					t.Errorf("telemetry %+v, want the environment's values", c.Telemetry)
				}
			},
		},
		{
			name: "a zero settle delay",
			env:  map[string]string{EnvSettleDelay: "0s", EnvLookbackDays: "1"},
			check: func(t *testing.T, c Config) {
				if c.SettleDelay != 0 || c.LookbackDays != 1 {
					t.Errorf("config %+v", c)
				}
			},
		},
		{
			name: "bad values, every one reported",
			env: map[string]string{
				EnvAdminKey: adminKey, EnvHealthAddr: "8098", EnvPollInterval: "hourly", EnvPollTimeout: "10ms", EnvLookbackDays: "40", EnvMaxModels: "0",
				config.EnvOpenAIBaseURL: "ftp://api.example.com", config.EnvOTLPEndpoint: "scanium-alloy:4318",
			},
			err: []string{EnvHealthAddr, EnvPollInterval, EnvPollTimeout, EnvLookbackDays, EnvMaxModels, config.EnvOpenAIBaseURL, config.EnvOTLPEndpoint},
		},
		{
			name: "a settle delay no polled day outlives",
			env:  map[string]string{EnvSettleDelay: "49h", EnvLookbackDays: "3"},
			err:  []string{EnvSettleDelay, EnvLookbackDays},
		},
		{
			name: "credentials in the base URL",
			env:  map[string]string{config.EnvOpenAIBaseURL: "https://user:" + adminKey + "@api.openai.com/v1"},
			err:  []string{config.EnvOpenAIBaseURL, "credentials"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(lookupOf(tc.env), "billing-host")
			if len(tc.err) > 0 {
				if err == nil {
					t.Fatal("Load accepted the configuration")
				}
				for _, want := range tc.err {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %s", err, want)
					}
				}
				if strings.Contains(err.Error(), adminKey) || strings.Count(err.Error(), "invalid configuration") != 1 {
					t.Errorf("error %q: want one heading and no key", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
			if s := fmt.Sprintf("%v %+v %#v", c, c, c); strings.Contains(s, adminKey) {
				t.Errorf("the printed configuration shows the admin key: %s", s)
			}
		})
	}
}
