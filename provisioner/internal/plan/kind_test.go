package plan

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
)

func TestKindsAreInApplyOrder(t *testing.T) {
	got := Kinds()
	want := []Kind{KindFolder, KindDatasource, KindDashboard, KindRuleGroup, KindContactPoint, KindPolicy}
	if !slices.Equal(got, want) {
		t.Errorf("kinds = %v, want %v", got, want)
	}
}

func TestArtifactsListsEveryResourceByKind(t *testing.T) {
	b, err := artifact.Load("../../testdata/generated")
	if err != nil {
		t.Fatal(err)
	}
	list, err := Artifacts(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list {
		line := string(r.Kind) + " " + r.Name + " " + r.Title
		for _, p := range r.Parts {
			line += " | " + p.Noun + " " + p.Name + " " + p.Title
		}
		got = append(got, line)
	}
	want := []string{
		"dashboard scanium-openai-runtime Scanium / OpenAI runtime",
		"rule-group scanium/openai openai | rule openai-high-error-rate OpenAIHighErrorRate | rule openai-high-latency OpenAIHighLatency",
		"contact-point scanium-oncall-email scanium-oncall",
		"notification-policy root ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Artifacts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A rule's for is shown as written ("10m", not "10m0s"), the group
	// holds no rules of its own, and nothing Grafana owns is compared.
	group := list[1]
	if _, ok := group.Doc.(map[string]any)["rules"]; ok {
		t.Errorf("the group's document still holds its rules")
	}
	rule := group.Parts[1].Doc.(map[string]any)
	if rule["for"] != "10m" {
		t.Errorf("rule for = %v, want 10m", rule["for"])
	}
	if _, ok := list[0].Doc.(map[string]any)["version"]; ok {
		t.Errorf("the dashboard's document holds its version")
	}
	raw, _ := json.Marshal(list[2].Doc)
	if !strings.Contains(string(raw), `"addresses":"oncall@scanium.example"`) {
		t.Errorf("contact point document: %s", raw)
	}
}

func TestDescribe(t *testing.T) {
	b, err := artifact.Load("../../testdata/generated")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Describe(b), "1 dashboard, 1 rule group, 1 contact point, a notification policy"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := Describe(&artifact.Bundle{}), "0 dashboards, 0 rule groups"; got != want {
		t.Errorf("Describe(empty) = %q, want %q", got, want)
	}
}
