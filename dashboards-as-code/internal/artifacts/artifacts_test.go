package artifacts_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

func committedConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func render(t *testing.T, cfg config.Config) artifacts.Set {
	t.Helper()
	set, err := artifacts.Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestRenderIsDeterministicAndCanonical(t *testing.T) {
	cfg := committedConfig(t)
	first, second := render(t, cfg), render(t, cfg)
	if !slices.Equal(first.Paths(), second.Paths()) {
		t.Fatalf("paths %v then %v", first.Paths(), second.Paths())
	}
	want := []string{
		"alerting/openai-cost.json", "alerting/openai-errors.json", "alerting/openai-latency.json",
		"alerting/openai-rate-limits.json", "alerting/openai-slo.json", "dashboards/scanium-openai-runtime.json",
	}
	if !slices.Equal(first.Paths(), want) {
		t.Errorf("paths %v, want %v", first.Paths(), want)
	}
	for _, p := range first.Paths() {
		if !bytes.Equal(first[p], second[p]) {
			t.Errorf("%s differs from one run to the next", p)
		}
		canonical, err := artifacts.CanonicalJSON(first[p], nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !bytes.Equal(canonical, first[p]) {
			t.Errorf("%s is not canonical: sorted keys, two-space indent, trailing newline", p)
		}
		if !bytes.HasPrefix(first[p], []byte("{\n  \"")) || !bytes.HasSuffix(first[p], []byte("}\n")) {
			t.Errorf("%s does not start with a two-space indented key or end with a newline", p)
		}
	}
}

func TestCommittedArtifactsMatchTheCode(t *testing.T) {
	drifts, err := artifacts.Check(filepath.Join("..", "..", "generated"), render(t, committedConfig(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drifts {
		t.Errorf("generated/%s: %s: run make generate", d.Path, d.Reason())
	}
}

func TestDashboardReadsBackIntoTheSDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	set := render(t, committedConfig(t))
	for _, p := range paths(set, bundle.DashboardFile) {
		var strict dashboard.Dashboard
		if err := buildErrors(strict.UnmarshalJSONStrict(set[p])); err != nil {
			t.Errorf("%s: strict decoding into dashboard.Dashboard: %v", p, err)
		}
		roundTrip(t, p, set[p], &dashboard.Dashboard{}, nil)
	}
}

func TestRuleGroupsReadBackIntoTheSDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	set := render(t, committedConfig(t))
	for _, p := range paths(set, bundle.RuleGroupFile) {
		roundTrip(t, p, set[p], &alerting.RuleGroup{}, func(doc any) {
			for _, r := range doc.(map[string]any)["rules"].([]any) {
				delete(r.(map[string]any), "orgID")
			}
		})
	}
}

// paths lists the artifacts of a kind.
func paths(set artifacts.Set, kind bundle.Kind) []string {
	var out []string
	for _, p := range set.Paths() {
		if bundle.KindOf(p) == kind {
			out = append(out, p)
		}
	}
	return out
}

// roundTrip decodes an artifact into an SDK type and encodes it again: the
// result must be the artifact, byte for byte.
func roundTrip(t *testing.T, path string, data []byte, into any, normalise func(any)) {
	t.Helper()
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	again, err := artifacts.Canonical(into, normalise)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Errorf("%s loses fields through %T:\n%s", path, into, firstDifference(data, again))
	}
}

// buildErrors returns err unless it is an empty cog.BuildErrors: the SDK's
// strict decoders return their error list even when it is empty.
func buildErrors(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

// firstDifference shows where two documents part.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + al[i] + "\nbecomes " + bl[i]
		}
	}
	return "lengths differ"
}

func TestNotificationArtifacts(t *testing.T) {
	cfg := committedConfig(t)
	if set := render(t, cfg); slices.ContainsFunc(set.Paths(), func(p string) bool {
		k := bundle.KindOf(p)
		return k == bundle.ContactPointsKind || k == bundle.NotificationPolicyKind
	}) {
		t.Error("notification artifacts without a notifications section")
	}

	cfg.Notifications = &config.Notifications{
		ContactPoints: []config.ContactPoint{{UID: "oncall", Name: "On-call", Type: "slack",
			Settings: map[string]any{"url": "${SLACK_WEBHOOK_URL}"}, DisableResolveMessage: true}},
		Policy: &config.Route{Receiver: "On-call", GroupBy: []string{"alertname", "model"}, GroupWait: 30 * time.Second,
			Routes: []config.Route{{Matchers: [][3]string{{"severity", "=", "critical"}}, RepeatInterval: time.Hour, Continue: true}}},
	}
	set := render(t, cfg)
	wantContactPoints := `[
  {
    "disableResolveMessage": true,
    "name": "On-call",
    "settings": {
      "url": "${SLACK_WEBHOOK_URL}"
    },
    "type": "slack",
    "uid": "oncall"
  }
]
`
	if got := string(set["alerting/"+bundle.ContactPointsFile]); got != wantContactPoints {
		t.Errorf("contact points:\n%s\nwant:\n%s", got, wantContactPoints)
	}
	wantPolicy := `{
  "group_by": [
    "alertname",
    "model"
  ],
  "group_wait": "30s",
  "receiver": "On-call",
  "routes": [
    {
      "continue": true,
      "object_matchers": [
        [
          "severity",
          "=",
          "critical"
        ]
      ],
      "repeat_interval": "1h"
    }
  ]
}
`
	if got := string(set["alerting/"+bundle.NotificationPolicyFile]); got != wantPolicy {
		t.Errorf("policy:\n%s\nwant:\n%s", got, wantPolicy)
	}
}

func TestWriteAndCheck(t *testing.T) {
	dir := t.TempDir()
	set := render(t, committedConfig(t))
	paths := set.Paths()

	drifts, err := artifacts.Check(dir, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts) != len(paths) || drifts[0].Problem != "missing" {
		t.Errorf("empty directory: drifts %v, want every file missing", drifts)
	}

	changes, err := artifacts.Write(dir, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != len(paths) {
		t.Errorf("first write: %v", changes)
	}
	if changes, _ := artifacts.Write(dir, set); len(changes) != 0 {
		t.Errorf("second write changed %v", changes)
	}
	if drifts, _ := artifacts.Check(dir, set); len(drifts) != 0 {
		t.Errorf("after write: drifts %v", drifts)
	}

	// A file the code no longer produces, an edited one, a removed one and
	// a file the generator does not own.
	stale := filepath.Join(dir, "alerting", "openai-old.json")
	edited := filepath.Join(dir, filepath.FromSlash(paths[0]))
	removed := filepath.Join(dir, filepath.FromSlash(paths[1]))
	foreign := filepath.Join(dir, "dashboards", "NOTES.md")
	for file, data := range map[string]string{stale: "{}\n", edited: "{}\n", foreign: "notes\n"} {
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(removed); err != nil {
		t.Fatal(err)
	}
	drifts, err = artifacts.Check(dir, set)
	if err != nil {
		t.Fatal(err)
	}
	want := []artifacts.Drift{{Path: paths[0], Problem: "differs"}, {Path: paths[1], Problem: "missing"}, {Path: "alerting/openai-old.json", Problem: "stale"}}
	slices.SortFunc(want, func(a, b artifacts.Drift) int { return strings.Compare(a.Path, b.Path) })
	if !slices.Equal(drifts, want) {
		t.Errorf("drifts %v, want %v", drifts, want)
	}

	if _, err := artifacts.Write(dir, set); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale file kept: %v", err)
	}
	if data, err := os.ReadFile(foreign); err != nil || string(data) != "notes\n" {
		t.Errorf("a file the generator does not own was touched: %q, %v", data, err)
	}
	if drifts, _ := artifacts.Check(dir, set); len(drifts) != 0 {
		t.Errorf("after rewrite: drifts %v", drifts)
	}
}
