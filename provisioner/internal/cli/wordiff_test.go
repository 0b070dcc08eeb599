package cli

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// editTarget replaces, in Grafana's copy of the runtime dashboard, old with
// new in the query of panel id, and returns that query as code has it.
func editTarget(t *testing.T, h *harness, id int, old, new string) string {
	t.Helper()
	var expr string
	code, body := h.fake.EditDashboard("mallory", "scanium-openai-runtime", func(m map[string]any) {
		for _, p := range m["panels"].([]any) {
			panel := p.(map[string]any)
			if fmt.Sprint(panel["id"]) != fmt.Sprint(id) {
				continue
			}
			target := panel["targets"].([]any)[0].(map[string]any)
			expr = target["expr"].(string)
			if !strings.Contains(expr, old) {
				t.Fatalf("panel %d's query %q has no %q", id, expr, old)
			}
			target["expr"] = strings.Replace(expr, old, new, 1)
		}
	})
	if code != http.StatusOK {
		t.Fatalf("edit: %d %s", code, body)
	}
	if expr == "" {
		t.Fatalf("no panel %d", id)
	}
	return expr
}

// TestPlanShowsAQueryChangeAsAWordDiff: a query edited in Grafana shows in
// the plan as the words that differ, with their context, not as two
// values cut to the same start.
func TestPlanShowsAQueryChangeAsAWordDiff(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	matcher := openaimetrics.LabelStatus + `="` + openaimetrics.StatusError + `"`
	edited := openaimetrics.LabelStatus + `=~"` + openaimetrics.StatusError + `|timeout"`
	editTarget(t, h, 3, matcher, edited)

	stdout, stderr := h.mustRun(ExitChanges, "plan")
	want := "dashboard scanium-openai-runtime: update (1 change; edited in Grafana by mallory since the last apply (version 2))\n" +
		`    ~ panels[id=3].targets[refId=A].expr: "sum(rate(` + openaimetrics.RequestsTotal + `{model=~\"$model\",` + openaimetrics.LabelStatus +
		`=[-~-]\"` + openaimetrics.StatusError + `[-|timeout-]\"}[$__rate_interval])) / sum(rate(` + openaimetrics.RequestsTotal + `…"` + "\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout:\n%s\nwant it to hold:\n%s", stdout, want)
	}
	assertNoSecret(t, stdout, stderr)
}

// TestWordDiffsAreRedacted: a secret in a query that Grafana holds is
// redacted before the words are compared: it never shows, even in part.
func TestWordDiffsAreRedacted(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	matcher := openaimetrics.LabelStatus + `="` + openaimetrics.StatusError + `"`
	editTarget(t, h, 3, matcher, openaimetrics.LabelStatus+`="`+testToken+`"`)

	stdout, stderr := h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, `=\"[-<secret>-]{+`+openaimetrics.StatusError+`+}\"`) {
		t.Errorf("stdout:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, testToken[:10]) {
		t.Errorf("part of the token was printed:\n%s", stdout)
	}
}
