package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

const token = "glsa_main_test_token_77aa"

func TestExitCodes(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	down := grafanafake.Start(grafanafake.Options{Token: token})
	downURL := down.URL()
	down.Close()

	const fixtures = "../../testdata/generated"
	env := []string{"GRAFANA_URL=" + fake.URL(), "GRAFANA_TOKEN=" + token, "IGNORED", "=x"}
	// The cases run in order against one Grafana: plan, apply, plan again.
	tests := []struct {
		name string
		args []string
		env  []string
		want int
		// out is a line that stdout or stderr must hold.
		out string
	}{
		{"no command", nil, env, 1, "Usage: scanium-provisioner <command>"},
		{"help", []string{"-h"}, env, 0, "Commands:"},
		{"unknown command", []string{"push"}, env, 1, `unknown command "push"`},
		{"bad flag", []string{"plan", "-frobnicate"}, env, 1, "flag provided but not defined: -frobnicate"},
		{"command help", []string{"apply", "-h"}, env, 0, "-dry-run"},
		{"bad concurrency", []string{"plan", "-concurrency", "0"}, env, 1, "-concurrency 0: must be between 1 and 64"},
		{"validate", []string{"validate", "-dir", fixtures}, nil, 0, "valid (1 dashboard, 1 rule group, 1 contact point, a notification policy)"},
		{"validate wrong dir", []string{"validate", "-dir", "testdata-missing"}, nil, 1, "has no dashboards/ directory"},
		{"configuration error", []string{"plan", "-dir", fixtures}, []string{"GRAFANA_URL=" + fake.URL()}, 1, "no Grafana credentials"},
		{"plan with changes", []string{"plan", "-dir", fixtures}, env, 2, "Plan: 7 to create, 1 to update, 0 to delete, 0 unchanged."},
		{"apply", []string{"apply", "-dir", fixtures}, env, 0, "Apply: 7 created, 1 updated, 0 unchanged, 0 deleted, 0 failed."},
		{"plan without changes", []string{"plan", "-dir", fixtures}, env, 0, "Plan: 0 to create, 0 to update, 0 to delete, 8 unchanged."},
		{"apply without changes", []string{"apply", "-dir", fixtures}, env, 0, "Apply: 0 created, 0 updated, 8 unchanged, 0 deleted, 0 failed."},
		{"grafana down", []string{"plan", "-dir", fixtures, "-wait", "0s"}, []string{"GRAFANA_URL=" + downURL, "GRAFANA_TOKEN=" + token}, 1, "Grafana at " + downURL + " refused the connection: is GRAFANA_URL right?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, tt.env, &stdout, &stderr)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tt.out, stdout.String(), stderr.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), token) {
				t.Errorf("output holds the token")
			}
		})
	}
}
