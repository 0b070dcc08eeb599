package desired

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
)

func TestBuildMarksWithoutChangingTheBundle(t *testing.T) {
	b, err := artifact.Load("../../testdata/generated")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(b)
	cfg := config.Config{MimirURL: "http://m/prometheus", LokiURL: "http://l", TempoURL: "http://t"}
	s, err := Build(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(b)
	if string(before) != string(after) {
		t.Errorf("Build modified the bundle")
	}

	if s.Folder != (Folder{UID: "scanium", Title: "Scanium"}) {
		t.Errorf("folder = %+v", s.Folder)
	}
	tags := s.Dashboards[0].Model["tags"].([]any)
	if len(tags) != 3 || tags[2] != "managed-by:scanium-provisioner" {
		t.Errorf("tags = %v", tags)
	}
	for _, r := range s.RuleGroups[0].Group.Rules {
		if r.Labels["managed_by"] != "scanium-provisioner" || r.Labels["severity"] != "warning" {
			t.Errorf("rule %s labels = %v", r.UID, r.Labels)
		}
	}
	if len(s.ContactPoints) != 1 || s.Policy == nil || s.Policy.Receiver != "scanium-oncall" {
		t.Errorf("alerting = %+v %+v", s.ContactPoints, s.Policy)
	}
	// Built twice, the tag is not added twice.
	again, err := Build(cfg, &artifact.Bundle{Dashboards: []artifact.Dashboard{{UID: "x", Model: s.Dashboards[0].Model}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again.Dashboards[0].Model["tags"].([]any)); n != 3 {
		t.Errorf("%d tags, want 3", n)
	}
}

func TestDatasourcesAreLinked(t *testing.T) {
	cfg := config.Config{MimirURL: "http://m/prometheus", LokiURL: "http://l", TempoURL: "http://t"}
	ds := map[string]Datasource{}
	for _, d := range Datasources(cfg) {
		ds[d.UID] = d
		if d.JSONData["managedBy"] != "scanium-provisioner" {
			t.Errorf("%s is not marked as managed", d.UID)
		}
	}
	mimir, loki, tempo := ds["mimir"], ds["loki"], ds["tempo"]
	if mimir.Type != "prometheus" || mimir.URL != "http://m/prometheus" || !mimir.IsDefault || loki.URL != "http://l" || tempo.URL != "http://t" {
		t.Errorf("datasources = %+v", ds)
	}
	uidAt := func(v any, path ...string) any {
		for _, p := range path {
			switch n := v.(type) {
			case map[string]any:
				v = n[p]
			case []any:
				v = n[0].(map[string]any)[p]
			}
		}
		return v
	}
	for _, link := range []struct {
		from Datasource
		path []string
		to   string
	}{
		{mimir, []string{"exemplarTraceIdDestinations", "datasourceUid"}, "tempo"},
		{loki, []string{"derivedFields", "datasourceUid"}, "tempo"},
		{tempo, []string{"tracesToLogsV2", "datasourceUid"}, "loki"},
		{tempo, []string{"tracesToMetrics", "datasourceUid"}, "mimir"},
		{tempo, []string{"serviceMap", "datasourceUid"}, "mimir"},
	} {
		if got := uidAt(link.from.JSONData, link.path...); got != link.to {
			t.Errorf("%s %v = %v, want %s", link.from.UID, link.path, got, link.to)
		}
	}
}

func TestContactPointReferencesAreExpanded(t *testing.T) {
	b := &artifact.Bundle{ContactPointsFile: "alerting/contact-points.json", ContactPoints: []*models.EmbeddedContactPoint{{
		UID: "scanium-oncall", Name: "on-call", Type: ptr("slack"),
		Settings: map[string]any{"url": "${SLACK_WEBHOOK_URL}", "recipient": "#alerts", "nested": []any{"x-${TEAM}"}},
	}}}
	env := map[string]string{"SLACK_WEBHOOK_URL": "https://hooks.slack.example/T0/B0/secret-part", "TEAM": "assistant"}
	s, err := Build(config.Config{Getenv: func(k string) string { return env[k] }}, b)
	if err != nil {
		t.Fatal(err)
	}
	got := s.ContactPoints[0].Settings.(map[string]any)
	if got["url"] != env["SLACK_WEBHOOK_URL"] || got["recipient"] != "#alerts" || got["nested"].([]any)[0] != "x-assistant" {
		t.Errorf("settings %v", got)
	}
	if b.ContactPoints[0].Settings.(map[string]any)["url"] != "${SLACK_WEBHOOK_URL}" {
		t.Error("Build modified the bundle")
	}

	// Offline validation keeps the references.
	s, err = Build(config.Config{}, b)
	if err != nil || s.ContactPoints[0].Settings.(map[string]any)["url"] != "${SLACK_WEBHOOK_URL}" {
		t.Errorf("without an environment: %v %v", err, s)
	}

	// An unset variable is named; nothing of any value is printed.
	_, err = Build(config.Config{Getenv: func(k string) string { return map[string]string{"TEAM": "secret-team"}[k] }}, b)
	if err == nil || !strings.Contains(err.Error(), "${SLACK_WEBHOOK_URL}, which is not set") || strings.Contains(err.Error(), "secret-team") {
		t.Errorf("err = %v", err)
	}
}

func ptr(s string) *string { return &s }
