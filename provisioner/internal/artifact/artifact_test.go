package artifact

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/fixture"
)

const fixtures = "../../testdata/generated"

func copyFixtures(t *testing.T) string { return fixture.Copy(t, fixtures) }

func edit(t *testing.T, dir, file string, fn func(v any) any) { fixture.Edit(t, dir, file, fn) }

func write(t *testing.T, dir, file, content string) { fixture.Write(t, dir, file, content) }

const (
	dashboardFile = "dashboards/scanium-openai-runtime.json"
	groupFile     = "alerting/openai.json"
	cpFile        = "alerting/contact-points.json"
	policyFile    = "alerting/notification-policy.json"
)

func obj(v any) map[string]any { return v.(map[string]any) }
func rule(v any, i int) map[string]any {
	return obj(v)["rules"].([]any)[i].(map[string]any)
}
func query(v any, rule, i int) map[string]any {
	r := obj(v)["rules"].([]any)[rule].(map[string]any)
	return r["data"].([]any)[i].(map[string]any)
}

func TestLoadFixtures(t *testing.T) {
	b, err := Load(fixtures)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := Validate(b); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if len(b.Dashboards) != 1 || b.Dashboards[0].UID != "scanium-openai-runtime" || b.Dashboards[0].Title != "Scanium / OpenAI runtime" {
		t.Errorf("dashboards = %+v", b.Dashboards)
	}
	if len(b.RuleGroups) != 1 || b.RuleGroups[0].Key() != "scanium/openai" || len(b.RuleGroups[0].Group.Rules) != 2 {
		t.Errorf("rule groups = %+v", b.RuleGroups)
	}
	if len(b.ContactPoints) != 1 || b.ContactPoints[0].UID != "scanium-oncall-email" || b.ContactPointsFile != cpFile {
		t.Errorf("contact points = %+v", b.ContactPoints)
	}
	if b.Policy == nil || b.Policy.Receiver != "scanium-oncall" || b.PolicyFile != policyFile {
		t.Errorf("policy = %+v", b.Policy)
	}
	// Numbers stay exact.
	if v := b.Dashboards[0].Model["schemaVersion"]; v != json.Number("39") {
		t.Errorf("schemaVersion = %#v, want json.Number 39", v)
	}
}

func TestLoadOptionalAlerting(t *testing.T) {
	dir := copyFixtures(t)
	if err := os.RemoveAll(filepath.Join(dir, "alerting")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "dashboards/README.md", "not an artifact")
	b, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(b.RuleGroups) != 0 || b.ContactPoints != nil || b.Policy != nil || len(b.Dashboards) != 1 {
		t.Errorf("bundle = %+v", b)
	}
}

func TestLoadWrongDir(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir)
	want := dir + " has no dashboards/ directory: point -dir at the generated artifacts (run make generate first)"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %q", err, want)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{
			name: "syntax error with position",
			setup: func(t *testing.T, dir string) {
				write(t, dir, dashboardFile, "{\n  \"uid\": \"scanium-openai-runtime\",\n  \"title\": oops\n}")
			},
			want: []string{`dashboards/scanium-openai-runtime.json: 3:13: not valid JSON: invalid character 'o' looking for beginning of value`},
		},
		{
			name: "dashboard uid and file name",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, dashboardFile, func(v any) any { obj(v)["uid"] = "other"; return v })
			},
			want: []string{`dashboards/scanium-openai-runtime.json: uid: "other" does not match the file name: name the file other.json`},
		},
		{
			name: "dashboard basics",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, dashboardFile, func(v any) any {
					d := obj(v)
					d["id"] = 12
					delete(d, "title")
					delete(d, "schemaVersion")
					d["__inputs"] = []any{}
					d["tags"] = "scanium"
					return v
				})
			},
			want: []string{
				`dashboards/scanium-openai-runtime.json: title: missing: every dashboard needs a title`,
				`dashboards/scanium-openai-runtime.json: id: remove it: Grafana assigns dashboard ids`,
				`dashboards/scanium-openai-runtime.json: schemaVersion: missing or not a number: Grafana would migrate the dashboard from schema 0`,
				`dashboards/scanium-openai-runtime.json: __inputs: import placeholders are not supported: export the dashboard without "share externally" and reference datasources by uid`,
				`dashboards/scanium-openai-runtime.json: tags: must be an array of strings`,
			},
		},
		{
			name: "dashboard datasource not managed",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, dashboardFile, func(v any) any {
					panel := obj(v)["panels"].([]any)[2].(map[string]any)
					panel["targets"].([]any)[0].(map[string]any)["datasource"] = map[string]any{"type": "prometheus", "uid": "prometheus"}
					return v
				})
			},
			want: []string{`dashboards/scanium-openai-runtime.json: panels[2].targets[0].datasource.uid: datasource "prometheus" is not managed here: use mimir, loki, tempo`},
		},
		{
			name: "rule group shape",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, groupFile, func(v any) any {
					g := obj(v)
					g["folderUid"] = "general"
					g["interval"] = 45
					g["labels"] = map[string]any{}
					return v
				})
			},
			want: []string{`alerting/openai.json: not a rule group in the provisioning API's format: json: unknown field "labels"`},
		},
		{
			name: "rule group folder and interval",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, groupFile, func(v any) any {
					g := obj(v)
					g["folderUid"] = "general"
					g["interval"] = 45
					for i := range g["rules"].([]any) {
						rule(v, i)["folderUID"] = "general"
					}
					return v
				})
			},
			want: []string{
				`alerting/openai.json: folderUid: "general": rule groups and their rules go into the folder "scanium"`,
				`alerting/openai.json: interval: 45: must be a positive multiple of 10 seconds`,
			},
		},
		{
			name: "rule fields",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, groupFile, func(v any) any {
					r := rule(v, 0)
					r["uid"] = "has spaces"
					r["ruleGroup"] = "other"
					r["condition"] = "Z"
					r["noDataState"] = "Maybe"
					r["for"] = "1.5s"
					r["labels"].(map[string]any)["managed_by"] = "terraform"
					return v
				})
			},
			want: []string{
				`alerting/openai.json: rules[uid=has spaces].uid: "has spaces": must be 1 to 40 letters, digits, '-' or '_'`,
				`alerting/openai.json: rules[uid=has spaces].ruleGroup: "other": must be the group's title "openai"`,
				`alerting/openai.json: rules[uid=has spaces].labels.managed_by: "terraform": this label marks managed rules and must be "scanium-provisioner" (or absent)`,
				`alerting/openai.json: rules[uid=has spaces].noDataState: "Maybe": must be one of Alerting, NoData, OK, KeepLast`,
				`alerting/openai.json: rules[uid=has spaces].for: 1.5s: must be a whole number of seconds, not negative`,
				`alerting/openai.json: rules[uid=has spaces].condition: "Z" is not a refId of this rule's data`,
			},
		},
		{
			name: "queries",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, groupFile, func(v any) any {
					a := query(v, 0, 0)
					a["datasourceUid"] = "prometheus"
					a["relativeTimeRange"] = map[string]any{"from": 0, "to": 600}
					b := query(v, 0, 1)
					b["model"].(map[string]any)["expression"] = "X"
					c := query(v, 1, 2)
					c["model"].(map[string]any)["type"] = "magic"
					d := query(v, 1, 0)
					d["relativeTimeRange"] = map[string]any{"from": 600000000000, "to": 0}
					return v
				})
			},
			want: []string{
				`alerting/openai.json: rules[uid=openai-high-error-rate].data[refId=A].datasourceUid: "prometheus" is not a managed datasource: use mimir (PromQL on Mimir) or __expr__ for expressions`,
				`alerting/openai.json: rules[uid=openai-high-error-rate].data[refId=A].relativeTimeRange: from (0) must be greater than to (600)`,
				`alerting/openai.json: rules[uid=openai-high-error-rate].data[refId=B].model.expression: "X" is not a refId of this rule's data`,
				`alerting/openai.json: rules[uid=openai-high-latency].data[refId=A].relativeTimeRange.from: 600000000000: more than a year; the API takes seconds, not nanoseconds`,
				`alerting/openai.json: rules[uid=openai-high-latency].data[refId=C].model.type: "magic": an expression is math, reduce, resample, threshold, classic_conditions or sql`,
			},
		},
		{
			name: "contact points",
			setup: func(t *testing.T, dir string) {
				write(t, dir, cpFile, `[{"uid":"oncall","name":"","type":"carrier-pigeon","settings":"x"}]`)
			},
			want: []string{
				`alerting/contact-points.json: [uid=oncall].uid: "oncall" must start with "scanium-": the prefix marks contact points this provisioner manages (and may prune)`,
				`alerting/contact-points.json: [uid=oncall].name: missing: the name policies route to`,
				`alerting/contact-points.json: [uid=oncall].type: "carrier-pigeon": must be one of alertmanager, dingding, discord, email, googlechat, jira, kafka, line, mqtt, oncall, opsgenie, pagerduty, pushover, sensugo, slack, sns, teams, telegram, threema, victorops, webex, webhook, wecom`,
				`alerting/contact-points.json: [uid=oncall].settings: missing or not an object`,
			},
		},
		{
			name: "policy",
			setup: func(t *testing.T, dir string) {
				write(t, dir, policyFile, `{"receiver":"","routes":[{"receiver":"x","matchers":[{"name":"a","value":"b","isRegex":false}],"group_wait":"soon"},{"object_matchers":[["a","==","b"]]}]}`)
			},
			want: []string{
				`alerting/notification-policy.json: receiver: missing: the root policy needs a default receiver`,
				`alerting/notification-policy.json: routes[0].matchers: use object_matchers ([["label", "=", "value"]]); matchers, match and match_re are not supported`,
				`alerting/notification-policy.json: routes[0].group_wait: "soon": not a duration like 30s or 4h`,
				`alerting/notification-policy.json: routes[1].object_matchers[0]: ["a" "==" "b"]: a matcher is [label, op, value] with op one of = != =~ !~`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixtures(t)
			tt.setup(t, dir)
			_, err := Load(dir)
			assertProblems(t, err, tt.want)
		})
	}
}

func TestValidateAcrossFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{
			name: "duplicate rule uid and title in another group",
			setup: func(t *testing.T, dir string) {
				raw, err := os.ReadFile(filepath.Join(dir, groupFile))
				if err != nil {
					t.Fatal(err)
				}
				other := strings.ReplaceAll(string(raw), `"openai"`, `"openai-copy"`)
				write(t, dir, "alerting/openai-copy.json", other)
			},
			want: []string{
				`alerting/openai-copy.json: rules[uid=openai-high-error-rate].uid: also used by a rule in alerting/openai.json: rule uids are unique in Grafana`,
				`alerting/openai-copy.json: rules[uid=openai-high-error-rate].title: "OpenAIHighErrorRate" is also the title of a rule in alerting/openai.json: titles are unique in a folder`,
				`alerting/openai-copy.json: rules[uid=openai-high-latency].uid: also used by a rule in alerting/openai.json: rule uids are unique in Grafana`,
				`alerting/openai-copy.json: rules[uid=openai-high-latency].title: "OpenAIHighLatency" is also the title of a rule in alerting/openai.json: titles are unique in a folder`,
			},
		},
		{
			name: "dashboard link and receiver",
			setup: func(t *testing.T, dir string) {
				edit(t, dir, groupFile, func(v any) any {
					rule(v, 0)["annotations"].(map[string]any)["__panelId__"] = "99"
					rule(v, 1)["annotations"].(map[string]any)["__dashboardUid__"] = "gone"
					return v
				})
				edit(t, dir, policyFile, func(v any) any {
					obj(v)["routes"].([]any)[0].(map[string]any)["receiver"] = "pager"
					return v
				})
			},
			want: []string{
				`alerting/openai.json: rules[uid=openai-high-error-rate].annotations.__panelId__: dashboard "scanium-openai-runtime" has no panel with id 99`,
				`alerting/openai.json: rules[uid=openai-high-latency].annotations.__dashboardUid__: "gone" is not a generated dashboard`,
				`alerting/notification-policy.json: routes[0].receiver: "pager" is not a contact point in alerting/contact-points.json`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixtures(t)
			tt.setup(t, dir)
			b, err := Load(dir)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			assertProblems(t, Validate(b), tt.want)
		})
	}
}

func assertProblems(t *testing.T, err error, want []string) {
	t.Helper()
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v, want *artifact.Error", err)
	}
	var got []string
	for _, p := range perr.Problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
