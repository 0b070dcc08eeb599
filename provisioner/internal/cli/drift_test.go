package cli

import (
	"net/http"
	"strings"
	"testing"
)

func TestDriftOfFolderAndDatasourceIsReverted(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPut, "/api/folders/scanium", map[string]any{"title": "Renamed", "overwrite": true}},
		{http.MethodPut, "/api/datasources/uid/loki", map[string]any{"name": "Loki", "type": "loki", "access": "proxy", "url": "http://elsewhere:3100",
			"jsonData": map[string]any{"managedBy": "scanium-provisioner"}}},
	} {
		if status, body := h.fake.Do("alice", req.method, req.path, req.body, nil); status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", req.method, req.path, status, body)
		}
	}

	stdout, _ := h.mustRun(ExitChanges, "plan")
	for _, want := range []string{
		"folder scanium: update (1 change)\n    ~ title: \"Renamed\" -> \"Scanium\"\n",
		"datasource loki: update (3 changes)\n" +
			"    + jsonData.derivedFields: [{\"datasourceUid\":\"tempo\",\"matcherRegex\":\"trace_id\",\"matcherType\":\"label\",\"name\":\"TraceID\",",
		"\n    + jsonData.maxLines: 1000\n" +
			"    ~ url: \"http://elsewhere:3100\" -> \"http://loki:3100\"\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks:\n%s\nplan:\n%s", want, stdout)
		}
	}
	stdout, _ = h.mustRun(ExitOK, "apply")
	if !strings.Contains(stdout, "folder scanium: updated (1 change)\n") || !strings.Contains(stdout, "datasource loki: updated (3 changes)\n") {
		t.Errorf("apply:\n%s", stdout)
	}
	if title, _ := h.fake.FolderTitle("scanium"); title != "Scanium" {
		t.Errorf("folder title = %q", title)
	}
	h.mustRun(ExitOK, "plan")
}

func TestContactPointSecretsCompareByPresence(t *testing.T) {
	h := newHarness(t)
	h.write("alerting/contact-points.json", `[
	  {"uid":"scanium-oncall-email","name":"scanium-oncall","type":"email","settings":{"addresses":"oncall@scanium.example"}},
	  {"uid":"scanium-slack","name":"scanium-oncall","type":"slack","settings":{"url":"https://hooks.slack.example/T/B/secret","recipient":"#oncall"}}
	]`)
	h.mustRun(ExitOK, "apply")
	// Grafana answers the url as [REDACTED]: no change to show.
	stdout, _ := h.mustRun(ExitOK, "plan")
	if !strings.Contains(stdout, "contact-point scanium-slack: unchanged\n") {
		t.Errorf("plan:\n%s", stdout)
	}
	if strings.Contains(stdout, "hooks.slack.example") {
		t.Errorf("plan shows the secret")
	}

	h.write("alerting/contact-points.json", `[
	  {"uid":"scanium-oncall-email","name":"scanium-oncall","type":"email","settings":{"addresses":"oncall@scanium.example"}},
	  {"uid":"scanium-slack","name":"scanium-oncall","type":"slack","settings":{"url":"https://hooks.slack.example/T/B/secret","recipient":"#pager"}}
	]`)
	stdout, _ = h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, "contact-point scanium-slack: update (1 change)\n    ~ settings.recipient: \"#oncall\" -> \"#pager\"\n") {
		t.Errorf("plan:\n%s", stdout)
	}
	h.mustRun(ExitOK, "apply")
	h.mustRun(ExitOK, "plan")
}
