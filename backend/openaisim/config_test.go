package openaisim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  openaisim.Config
		errs []string // nothing: valid
	}{
		{name: "zero value", cfg: openaisim.Config{}},
		{name: "defaults", cfg: openaisim.DefaultConfig()},
		{name: "median only", cfg: openaisim.Config{Latency: openaisim.Latency{Median: time.Second}}},
		{
			name: "everything wrong",
			cfg: openaisim.Config{
				APIKeys:    []string{"sk-a", ""},
				Models:     []string{""},
				Latency:    openaisim.Latency{Median: 2 * time.Second, P99: time.Second},
				HangMax:    -time.Second,
				RateLimits: openaisim.RateLimits{Requests: -5, Tokens: -1, RequestWindow: -time.Minute, TokenWindow: -time.Minute},
				FaultRates: openaisim.FaultRates{openaisim.Fault500: 2},
			},
			errs: []string{
				"API key 1 is empty",
				"model 0 is empty",
				"latency p99 1s is below the median 2s",
				"hang max -1s is negative",
				"request limit -5 is negative",
				"token limit -1 is negative",
				"request window -1m0s is negative",
				"token window -1m0s is negative",
				"fault 500 has probability 2",
			},
		},
		{name: "negative median", cfg: openaisim.Config{Latency: openaisim.Latency{Median: -1}}, errs: []string{"latency median -1ns is negative"}},
		{name: "negative p99", cfg: openaisim.Config{Latency: openaisim.Latency{P99: -1}}, errs: []string{"latency p99 -1ns is negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := openaisim.New(tc.cfg)
			if len(tc.errs) == 0 {
				if err != nil || srv == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New accepted an invalid configuration")
			}
			for _, want := range tc.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
			if strings.Contains(err.Error(), "sk-a") {
				t.Errorf("the error quotes an API key")
			}
		})
	}
}
