package cli

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

func TestBadTokenStopsAtOnce(t *testing.T) {
	h := newHarness(t)
	h.env["GRAFANA_TOKEN"] = "glsa_wrong_" + testToken
	for _, cmd := range [][]string{{"plan"}, {"apply"}, {"apply", "-v"}} {
		stdout, stderr := h.mustRun(ExitError, cmd...)
		if !strings.Contains(stderr, "error: 401 from Grafana: check GRAFANA_TOKEN: Grafana rejected it (GET /api/folders/scanium: 401 Unauthorized: Invalid API key)") {
			t.Errorf("%v: stderr = %s", cmd, stderr)
		}
		assertNoSecret(t, stdout, stderr)
		if strings.Contains(stdout+stderr, h.env["GRAFANA_TOKEN"]) {
			t.Errorf("the wrong token was printed")
		}
	}
	if n := h.fake.TotalWrites(); n != 0 {
		t.Errorf("writes = %s", h.fake.WriteSummary())
	}
	// One request per run after the health check: it stops at once.
	if n := len(h.fake.Requests()); n != 6 {
		t.Errorf("%d requests, want 2 per run", n)
	}
}

func TestBadPasswordNamesTheCredential(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "GRAFANA_TOKEN")
	h.env["GRAFANA_USER"], h.env["GRAFANA_PASSWORD"] = "admin", "wrong-"+testPassword
	stdout, stderr := h.mustRun(ExitError, "apply", "-v")
	if !strings.Contains(stderr, "401 from Grafana: check GRAFANA_USER and GRAFANA_PASSWORD") {
		t.Errorf("stderr = %s", stderr)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("admin:wrong-" + testPassword))
	for _, secret := range []string{h.env["GRAFANA_PASSWORD"], basic} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output holds the password")
		}
	}
}

func TestBasicAuthWithOrg(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "GRAFANA_TOKEN")
	h.env["GRAFANA_USER"], h.env["GRAFANA_PASSWORD"], h.env["GRAFANA_ORG_ID"] = "admin", testPassword, "1"
	stdout, stderr := h.mustRun(ExitOK, "apply", "-v")
	assertNoSecret(t, stdout, stderr)
	for _, r := range h.fake.Requests() {
		if r.Path != "/api/health" && r.OrgID != "1" {
			t.Errorf("%s %s without X-Grafana-Org-Id", r.Method, r.Path)
		}
		if r.UserAgent != "scanium-provisioner" {
			t.Errorf("User-Agent = %q", r.UserAgent)
		}
	}
}

func TestForbiddenNamesTheCredential(t *testing.T) {
	h := newHarness(t)
	h.env["GRAFANA_TOKEN"] = "viewer-token"
	stdout, stderr := h.mustRun(ExitError, "apply")
	if !strings.Contains(stderr, "error: 403 from Grafana: the account behind GRAFANA_TOKEN lacks permission for POST /api/folders: give it the Admin role") {
		t.Errorf("stderr = %s", stderr)
	}
	if !strings.HasSuffix(stdout, "Apply: 0 created, 0 updated, 0 unchanged, 0 deleted, 1 failed. 7 not attempted.\n") {
		t.Errorf("stdout = %s", stdout)
	}
	assertNoSecret(t, stdout, stderr)
}

func TestWaitsForGrafanaToComeUp(t *testing.T) {
	h := newHarness(t)
	h.fake.DropNext(3)
	stdout, stderr := h.mustRun(ExitOK, "apply", "-wait", "1m")
	if !strings.Contains(stderr, "waiting up to 1m0s for Grafana at "+h.fake.URL()+" to be healthy (") {
		t.Errorf("stderr does not say that it waits:\n%s", stderr)
	}
	if strings.Count(stderr, "waiting") != 1 {
		t.Errorf("it says so more than once:\n%s", stderr)
	}
	if !strings.HasSuffix(stdout, "Apply: 7 created, 1 updated, 0 unchanged, 0 deleted, 0 failed.\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestGivesUpWaitingForGrafana(t *testing.T) {
	h := newHarness(t)
	h.fake.DropNext(1 << 30)
	_, stderr := h.mustRun(ExitError, "apply", "-wait", "20ms")
	if !strings.Contains(stderr, "error: grafana at "+h.fake.URL()+" is not healthy after 20ms: GET "+h.fake.URL()+"/api/health: ") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	h := newHarness(t)
	h.fake.FailNext(3, 500)
	h.fake.Inject(grafanafake.Fault{Count: 2, PathPrefix: "/api/dashboards/db", Status: 429, RetryAfter: "0"})
	h.fake.Inject(grafanafake.Fault{Count: 1, PathPrefix: "/api/v1/provisioning/folder/", Status: 503})
	stdout, stderr := h.mustRun(ExitOK, "apply")
	if !strings.HasSuffix(stdout, "Apply: 7 created, 1 updated, 0 unchanged, 0 deleted, 0 failed.\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, want := range []string{
		"retry: GET /api/folders/scanium: Grafana answered 500; retrying in",
		"retry: POST /api/dashboards/db: Grafana answered 429; retrying in",
		"retry: GET /api/v1/provisioning/folder/scanium/rule-groups/openai: Grafana answered 503; retrying in",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if w := h.fake.Writes()["POST /api/dashboards/db"]; w != 1 {
		t.Errorf("dashboard saves = %d, want 1 (the 429s never reached the handler)", w)
	}
	h.fake.ResetCounters()
	h.mustRun(ExitOK, "plan")
}

func TestPersistentFailureFailsTheResource(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	h.edit(dashboardFile, func(v any) any {
		v.(map[string]any)["refresh"] = "1m"
		return v
	})
	h.fake.Inject(grafanafake.Fault{Count: 100, PathPrefix: "/api/dashboards/db", Status: 502})
	stdout, _ := h.mustRun(ExitError, "apply")
	if !strings.Contains(stdout, "dashboard scanium-openai-runtime: failed: POST /api/dashboards/db: 502 Bad Gateway: Bad Gateway\n") ||
		!strings.HasSuffix(stdout, "Apply: 0 created, 0 updated, 7 unchanged, 0 deleted, 1 failed.\n") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	// Someone saves the dashboard between plan and apply: Grafana answers
	// 412, which is reported, not retried.
	h.edit(dashboardFile, func(v any) any {
		v.(map[string]any)["refresh"] = "1m"
		return v
	})
	h.fake.Inject(grafanafake.Fault{Count: 1, PathPrefix: "/api/dashboards/db", Status: 412})
	stdout, stderr := h.mustRun(ExitError, "apply")
	if !strings.Contains(stdout, "dashboard scanium-openai-runtime: failed: POST /api/dashboards/db: 412 Precondition Failed") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if strings.Contains(stderr, "retry:") {
		t.Errorf("a 412 was retried:\n%s", stderr)
	}
}

func TestBadArtifactWritesNothing(t *testing.T) {
	h := newHarness(t)
	h.edit("alerting/openai.json", func(v any) any {
		rule := v.(map[string]any)["rules"].([]any)[0].(map[string]any)
		rule["condition"] = "Z"
		return v
	})
	_, stderr := h.mustRun(ExitError, "apply")
	want := "error: 1 problem(s) in the artifacts:\n" +
		"  alerting/openai.json: rules[uid=openai-high-error-rate].condition: \"Z\" is not a refId of this rule's data\n" +
		"nothing was changed\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("Grafana got %d requests", n)
	}
}

func TestAllowUIEditsAndProvenance(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply", "-allow-ui-edits")
	if rule, _ := h.fake.Rule("openai-high-error-rate"); rule["provenance"] != nil {
		t.Errorf("provenance = %v, want none", rule["provenance"])
	}
	for _, r := range h.fake.Requests() {
		alertingWrite := r.Method != "GET" && strings.HasPrefix(r.Path, "/api/v1/provisioning/")
		if alertingWrite && r.DisableProvenance != "true" {
			t.Errorf("%s %s without X-Disable-Provenance", r.Method, r.Path)
		}
	}
	h.mustRun(ExitOK, "plan", "-allow-ui-edits")

	// Locking them is a change that the plan shows.
	stdout, _ := h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, "~ rules[uid=openai-high-error-rate].provenance: \"none\" -> \"api\"") {
		t.Errorf("plan:\n%s", stdout)
	}
	h.mustRun(ExitOK, "apply")
	if rule, _ := h.fake.Rule("openai-high-error-rate"); rule["provenance"] != "api" {
		t.Errorf("provenance = %v, want api", rule["provenance"])
	}

	// Unlocking is not possible through the API: said before any write.
	h.fake.ResetCounters()
	stdout, stderr := h.mustRun(ExitError, "apply", "-allow-ui-edits")
	if !strings.Contains(stdout, "rule-group scanium/openai: error: rule openai-high-error-rate was written locked (provenance api) and Grafana does not unlock it through the API") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	if h.fake.TotalWrites() != 0 {
		t.Errorf("writes = %s", h.fake.WriteSummary())
	}
}
