package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want Config
	}{
		{
			name: "defaults with a key",
			env:  map[string]string{envAPIKey: "k1"},
			want: Config{TargetURL: defaultTarget, APIKey: "k1", Rate: defaultRate, Concurrency: defaultConcurrency, Timeout: defaultTimeout, HealthAddr: defaultHealthAddr, Seed: 1, StreamPercent: defaultStreamPercent, LogLevel: slog.LevelInfo},
		},
		{
			name: "environment",
			env: map[string]string{
				envTarget: "http://scanium-backend:8080/", envAPIKey: " k2 ", envRate: "0.5", envConcurrency: "8",
				envDuration: "10m", envTimeout: "30s", envHealthAddr: "", envSeed: "42", envLogLevel: "debug", envStream: "0",
			},
			want: Config{TargetURL: "http://scanium-backend:8080", APIKey: "k2", Rate: 0.5, Concurrency: 8, Duration: 10 * time.Minute, Timeout: 30 * time.Second, HealthAddr: "", Seed: 42, LogLevel: slog.LevelDebug},
		},
		{
			name: "flags override the environment",
			args: []string{"-target", "https://nas.local:8443", "-rate", "5", "-concurrency", "2", "-health-addr", "127.0.0.1:9000", "-stream-percent", "100"},
			env:  map[string]string{envTarget: "http://ignored:1", envRate: "1", envAPIKey: "k3", envStream: "10"},
			want: Config{TargetURL: "https://nas.local:8443", APIKey: "k3", Rate: 5, Concurrency: 2, Timeout: defaultTimeout, HealthAddr: "127.0.0.1:9000", Seed: 1, StreamPercent: 100, LogLevel: slog.LevelInfo},
		},
		{
			name: "first backend key when no key of its own",
			env:  map[string]string{envBackendKeys: " first , second"},
			want: Config{TargetURL: defaultTarget, APIKey: "first", Rate: defaultRate, Concurrency: defaultConcurrency, Timeout: defaultTimeout, HealthAddr: defaultHealthAddr, Seed: 1, StreamPercent: defaultStreamPercent, LogLevel: slog.LevelInfo},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadConfig(tc.args, lookupFrom(tc.env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		envTarget: "scanium-backend:8080", envRate: "0", envConcurrency: "many",
		envDuration: "-1s", envTimeout: "0s", envSeed: "-3", envLogLevel: "loud", envStream: "101",
	}
	_, err := loadConfig(nil, lookupFrom(env), &bytes.Buffer{})
	if err == nil {
		t.Fatal("loadConfig succeeded, want errors")
	}
	for _, want := range []string{
		"-target \"scanium-backend:8080\"", "no API key: set LOADGEN_API_KEY", "-rate \"0\"",
		"-concurrency \"many\"", "-duration \"-1s\"", "-timeout \"0s\"", "-seed \"-3\"", "-log-level \"loud\"", "-stream-percent \"101\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestLoadConfigRejectsArgumentsAndUnknownFlags(t *testing.T) {
	env := lookupFrom(map[string]string{envAPIKey: "k"})
	for _, args := range [][]string{{"extra"}, {"-retries", "3"}} {
		if _, err := loadConfig(args, env, &bytes.Buffer{}); err == nil {
			t.Errorf("loadConfig(%q) succeeded, want an error", args)
		}
	}
	if _, err := loadConfig([]string{"-help"}, env, &bytes.Buffer{}); err != errHelp {
		t.Errorf("loadConfig(-help) = %v, want errHelp", err)
	}
}

func TestConfigNeverPrintsTheKey(t *testing.T) {
	const key = "sk-very-secret-key"
	cfg, err := loadConfig(nil, lookupFrom(map[string]string{envAPIKey: key}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", cfg, "key", cfg.APIKey)
	for _, out := range []string{logs.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.APIKey)} {
		if strings.Contains(out, key) {
			t.Errorf("the key leaks into %q", out)
		}
	}
	if !strings.Contains(logs.String(), "<secret>") {
		t.Errorf("logs %q do not show the key as <secret>", logs.String())
	}
}

func TestHelpListsEveryFlagWithItsVariable(t *testing.T) {
	var out bytes.Buffer
	if _, err := loadConfig([]string{"-h"}, lookupFrom(nil), &out); err != errHelp {
		t.Fatalf("loadConfig(-h) = %v, want errHelp", err)
	}
	for _, want := range []string{
		"  -target, " + envTarget + " (default " + defaultTarget + ")\n", "  -api-key, " + envAPIKey + " (default the first of $" + envBackendKeys + ")\n",
		"  -rate, " + envRate + " (default 2)\n", "  -timeout, " + envTimeout + " (default 1m30s)\n",
		"  -health-addr, " + envHealthAddr + " (default " + defaultHealthAddr + ")\n", "  -log-level, " + envLogLevel + " (default info)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestAnEmptyHealthFlagServesNothing(t *testing.T) {
	cfg, err := loadConfig([]string{"-health-addr", ""}, lookupFrom(map[string]string{envAPIKey: "k", envHealthAddr: ":9"}), &bytes.Buffer{})
	if err != nil || cfg.HealthAddr != "" {
		t.Errorf("health address %q, err %v; want none", cfg.HealthAddr, err)
	}
}

// TestHelpListsEveryVariableRead: the settings are exactly the variables
// loadConfig reads, and each is in the help.
func TestHelpListsEveryVariableRead(t *testing.T) {
	asked := map[string]bool{}
	_, _ = loadConfig(nil, func(k string) (string, bool) { asked[k] = true; return "", false }, &bytes.Buffer{})
	envconfigtest.CheckSettingsCoverReads(t, declare().settings(), asked)
	var out bytes.Buffer
	if _, err := loadConfig([]string{"-h"}, lookupFrom(nil), &out); err != errHelp {
		t.Fatalf("loadConfig(-h) = %v, want errHelp", err)
	}
	if len(asked) < 10 {
		t.Fatalf("loadConfig read only %v", asked)
	}
	for k := range asked {
		if !strings.Contains(out.String(), " "+k+"\n") && !strings.Contains(out.String(), " "+k+" (default ") {
			t.Errorf("loadConfig reads %s, which the help does not list:\n%s", k, out.String())
		}
	}
}

// TestKeysAreSecrets: neither the key nor the backend's keys show in an
// error or the configuration's text.
func TestKeysAreSecrets(t *testing.T) {
	const first, other = "sk-first-of-the-backend", "sk-other-of-the-backend"
	cfg, err := loadConfig(nil, lookupFrom(map[string]string{envBackendKeys: first + "," + other}), &bytes.Buffer{})
	if err != nil || cfg.APIKey.Reveal() != first {
		t.Fatalf("key %v (err %v), want the backend's first", cfg.APIKey, err)
	}
	_, err = loadConfig(nil, lookupFrom(map[string]string{envBackendKeys: first, envRate: "0"}), &bytes.Buffer{})
	if err == nil {
		t.Fatal("a rate of 0 is accepted")
	}
	for _, out := range []string{err.Error(), fmt.Sprintf("%v %+v", cfg, cfg)} {
		if strings.Contains(out, first) || strings.Contains(out, other) {
			t.Errorf("a key leaks into %q", out)
		}
	}
}
