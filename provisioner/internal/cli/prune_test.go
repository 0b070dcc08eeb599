package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestPruneDeletesOnlyManagedResources(t *testing.T) {
	h := newHarness(t)
	// A first apply with extra artifacts, managed from then on.
	h.write("dashboards/scanium-old.json", `{"uid":"scanium-old","title":"Old","schemaVersion":39,"panels":[]}`)
	h.write("alerting/old.json", `{"title":"old","folderUid":"scanium","interval":60,"rules":[{"uid":"old-rule","title":"OldRule","ruleGroup":"old","folderUID":"scanium","condition":"A","data":[{"refId":"A","relativeTimeRange":{"from":600,"to":0},"datasourceUid":"mimir","model":{"expr":"vector(1)","refId":"A"}}],"noDataState":"OK","execErrState":"Error","for":"1m"}]}`)
	h.write("alerting/contact-points.json", `[
	  {"uid":"scanium-oncall-email","name":"scanium-oncall","type":"email","settings":{"addresses":"oncall@scanium.example","singleEmail":true}},
	  {"uid":"scanium-old-webhook","name":"scanium-old","type":"webhook","settings":{"url":"http://hooks.example/old","password":"hook-secret"}}
	]`)
	h.mustRun(ExitOK, "apply")

	// Resources made by hand, which the provisioner must never touch.
	do := func(method, path string, body any, header map[string]string) {
		t.Helper()
		if status, resp := h.fake.Do("alice", method, path, body, header); status >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, status, resp)
		}
	}
	do(http.MethodPost, "/api/dashboards/db", map[string]any{"folderUid": "scanium",
		"dashboard": map[string]any{"uid": "hand-made", "title": "Hand made", "tags": []any{"scanium"}}}, nil)
	do(http.MethodPost, "/api/datasources", map[string]any{"uid": "prom-hand", "name": "Prometheus", "type": "prometheus", "access": "proxy"}, nil)
	// A datasource an earlier version of the provisioner managed.
	do(http.MethodPost, "/api/datasources", map[string]any{"uid": "old-ds", "name": "Old", "type": "prometheus", "access": "proxy",
		"jsonData": map[string]any{"managedBy": "scanium-provisioner"}}, nil)
	do(http.MethodPost, "/api/v1/provisioning/contact-points", map[string]any{"uid": "hand-slack", "name": "hand", "type": "slack", "settings": map[string]any{"url": "http://slack.example"}}, map[string]string{"X-Disable-Provenance": "true"})
	do(http.MethodPut, "/api/v1/provisioning/folder/scanium/rule-groups/hand", map[string]any{"interval": 60, "rules": []any{map[string]any{
		"uid": "hand-rule", "title": "HandRule", "condition": "A", "noDataState": "OK", "execErrState": "Error", "for": "1m",
		"data": []any{map[string]any{"refId": "A", "datasourceUid": "mimir", "relativeTimeRange": map[string]any{"from": 600, "to": 0}, "model": map[string]any{"expr": "vector(1)"}}},
	}}}, map[string]string{"X-Disable-Provenance": "true"})

	// The extra artifacts leave the code.
	h.remove("dashboards/scanium-old.json")
	h.remove("alerting/old.json")
	h.write("alerting/contact-points.json", `[{"uid":"scanium-oncall-email","name":"scanium-oncall","type":"email","settings":{"addresses":"oncall@scanium.example","singleEmail":true}}]`)

	stdout, _ := h.mustRun(ExitOK, "plan")
	if strings.Contains(stdout, ": delete") {
		t.Errorf("plan without -prune plans deletes:\n%s", stdout)
	}

	stdout, _ = h.mustRun(ExitChanges, "plan", "-prune")
	for _, want := range []string{
		"datasource old-ds: delete\n",
		"dashboard scanium-old: delete\n",
		"rule-group scanium/old: delete\n",
		"contact-point scanium-old-webhook: delete\n",
		"Plan: 0 to create, 0 to update, 4 to delete, 8 unchanged.\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan -prune lacks %q:\n%s", want, stdout)
		}
	}

	h.fake.ResetCounters()
	stdout, _ = h.mustRun(ExitOK, "apply", "-prune")
	tail := lines(stdout)[len(lines(stdout))-5:]
	// Deletes run last, in the reverse order of kinds.
	assertLines(t, strings.Join(tail, "\n"),
		"contact-point scanium-old-webhook: deleted",
		"rule-group scanium/old: deleted",
		"dashboard scanium-old: deleted",
		"datasource old-ds: deleted",
		"Apply: 0 created, 0 updated, 8 unchanged, 4 deleted, 0 failed.",
	)
	if h.fake.TotalWrites() != 4 {
		t.Errorf("writes = %s, want the 4 deletes only", h.fake.WriteSummary())
	}

	if got := h.fake.DashboardUIDs(); !slices.Equal(got, []string{"hand-made", "scanium-openai-runtime"}) {
		t.Errorf("dashboards = %v", got)
	}
	if got := h.fake.DatasourceUIDs(); !slices.Equal(got, []string{"loki", "mimir", "prom-hand", "tempo"}) {
		t.Errorf("datasources = %v", got)
	}
	if got := h.fake.RuleGroupKeys(); !slices.Equal(got, []string{"scanium/hand", "scanium/openai"}) {
		t.Errorf("rule groups = %v", got)
	}
	if got := h.fake.ContactPointUIDs(); !slices.Equal(got, []string{"ddefaultcp01", "hand-slack", "scanium-oncall-email"}) {
		t.Errorf("contact points = %v", got)
	}
	h.mustRun(ExitOK, "plan", "-prune")
}

func TestPruneRefusesAnEmptyBundle(t *testing.T) {
	h := newHarness(t)
	h.remove(dashboardFile)
	h.remove("alerting/openai.json")
	h.remove("alerting/notification-policy.json")
	_, stderr := h.mustRun(ExitError, "apply", "-prune")
	if !strings.Contains(stderr, "holds no dashboards and no rule groups: refusing to prune every managed resource") {
		t.Errorf("stderr = %s", stderr)
	}
	if len(h.fake.Requests()) != 0 {
		t.Errorf("Grafana was called: %v", h.fake.Requests())
	}
}

const dashboardFile = "dashboards/scanium-openai-runtime.json"
