package cli

import (
	"strings"
	"testing"
)

func TestFirstApplyCreatesEverything(t *testing.T) {
	h := newHarness(t)
	stdout, stderr := h.mustRun(ExitOK, "apply")
	assertLines(t, stdout,
		"folder scanium: created",
		"datasource mimir: created",
		"datasource loki: created",
		"datasource tempo: created",
		"dashboard scanium-openai-runtime: created",
		"rule-group scanium/openai: created (2 rules)",
		"contact-point scanium-oncall-email: created",
		"notification-policy root: updated (6 changes)",
		"Apply: 7 created, 1 updated, 0 unchanged, 0 deleted, 0 failed.",
	)
	if !strings.Contains(stderr, "Grafana 12.0.0 at "+h.fake.URL()) {
		t.Errorf("stderr = %q, want the Grafana version", stderr)
	}
	assertNoSecret(t, stdout, stderr)

	if title, ok := h.fake.FolderTitle("scanium"); !ok || title != "Scanium" {
		t.Errorf("folder = %q, %v", title, ok)
	}
	model, folder, version, ok := h.fake.Dashboard("scanium-openai-runtime")
	if !ok || folder != "scanium" || version != 1 {
		t.Fatalf("dashboard: ok=%v folder=%q version=%d", ok, folder, version)
	}
	if tags := model["tags"].([]any); len(tags) != 3 || tags[2] != "managed-by:scanium-provisioner" {
		t.Errorf("dashboard tags = %v, want the managed tag added", tags)
	}
	rule, ok := h.fake.Rule("openai-high-error-rate")
	if !ok || rule["provenance"] != "api" || rule["labels"].(map[string]any)["managed_by"] != "scanium-provisioner" {
		t.Errorf("rule = %v", rule)
	}
	if receiver, provenance := h.fake.Policy(); receiver != "scanium-oncall" || provenance != "api" {
		t.Errorf("policy = %q (%q)", receiver, provenance)
	}
	mimir, _, _ := h.fake.Datasource("mimir")
	jsonData := mimir["jsonData"].(map[string]any)
	if mimir["url"] != "http://mimir:9009/prometheus" || mimir["isDefault"] != true || jsonData["managedBy"] != "scanium-provisioner" {
		t.Errorf("mimir = %v", mimir)
	}
	tempo, _, _ := h.fake.Datasource("tempo")
	links := tempo["jsonData"].(map[string]any)
	if links["tracesToLogsV2"].(map[string]any)["datasourceUid"] != "loki" || links["tracesToMetrics"].(map[string]any)["datasourceUid"] != "mimir" || links["serviceMap"].(map[string]any)["datasourceUid"] != "mimir" {
		t.Errorf("tempo links = %v", links)
	}
}

func TestSecondApplyWritesNothing(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	h.fake.ResetCounters()

	stdout, _ := h.mustRun(ExitOK, "apply")
	assertLines(t, stdout,
		"folder scanium: unchanged",
		"datasource mimir: unchanged",
		"datasource loki: unchanged",
		"datasource tempo: unchanged",
		"dashboard scanium-openai-runtime: unchanged",
		"rule-group scanium/openai: unchanged",
		"contact-point scanium-oncall-email: unchanged",
		"notification-policy root: unchanged",
		"Apply: 0 created, 0 updated, 8 unchanged, 0 deleted, 0 failed.",
	)
	if n := h.fake.TotalWrites(); n != 0 {
		t.Errorf("second apply wrote %d times: %s", n, h.fake.WriteSummary())
	}
	stdout, _ = h.mustRun(ExitOK, "plan")
	if !strings.HasSuffix(stdout, "Plan: 0 to create, 0 to update, 0 to delete, 8 unchanged.\n") {
		t.Errorf("plan after apply:\n%s", stdout)
	}
}

func TestCodeChangeIsPlannedAndApplied(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	h.edit("alerting/openai.json", func(v any) any {
		rule := v.(map[string]any)["rules"].([]any)[1].(map[string]any)
		rule["for"] = "15m"
		return v
	})
	h.fake.ResetCounters()

	stdout, _ := h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, "rule-group scanium/openai: update (1 change)\n    ~ rules[uid=openai-high-latency].for: \"10m\" -> \"15m\"\n") {
		t.Errorf("plan:\n%s", stdout)
	}
	stdout, _ = h.mustRun(ExitOK, "apply")
	if !strings.Contains(stdout, "rule-group scanium/openai: updated (1 change)\n") {
		t.Errorf("apply:\n%s", stdout)
	}
	if w := h.fake.Writes(); w["PUT /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}"] != 1 || h.fake.TotalWrites() != 1 {
		t.Errorf("writes = %s, want one rule group PUT", h.fake.WriteSummary())
	}
	if rule, _ := h.fake.Rule("openai-high-latency"); rule["for"] != "15m" {
		t.Errorf("rule for = %v", rule["for"])
	}
}

func TestUIEditShowsInPlanAndApplyRevertsIt(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	status, body := h.fake.EditDashboard("alice", "scanium-openai-runtime", func(m map[string]any) {
		panel := m["panels"].([]any)[1].(map[string]any)
		panel["title"] = "Request rate (edited)"
		m["refresh"] = "5s"
	})
	if status != 200 {
		t.Fatalf("UI edit: %d %s", status, body)
	}

	stdout, _ := h.mustRun(ExitChanges, "plan")
	want := "dashboard scanium-openai-runtime: update (2 changes; edited in Grafana by alice since the last apply (version 2))\n" +
		"    ~ panels[id=2].title: \"Request rate (edited)\" -> \"Request rate\"\n" +
		"    ~ refresh: \"5s\" -> \"30s\"\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("plan:\n%s\nwant it to contain:\n%s", stdout, want)
	}

	stdout, _ = h.mustRun(ExitOK, "apply")
	if !strings.Contains(stdout, "dashboard scanium-openai-runtime: updated (2 changes; reverted an edit made in Grafana by alice)\n") {
		t.Errorf("apply:\n%s", stdout)
	}
	model, _, version, _ := h.fake.Dashboard("scanium-openai-runtime")
	if version != 3 || model["refresh"] != "30s" || model["panels"].([]any)[1].(map[string]any)["title"] != "Request rate" {
		t.Errorf("dashboard after apply: version %d, refresh %v", version, model["refresh"])
	}
	h.mustRun(ExitOK, "plan")
}

func TestDryRunIsPlan(t *testing.T) {
	h := newHarness(t)
	planOut, _ := h.mustRun(ExitChanges, "plan")
	dryOut, _ := h.mustRun(ExitChanges, "apply", "-dry-run")
	if planOut != dryOut {
		t.Errorf("apply -dry-run:\n%s\nplan:\n%s", dryOut, planOut)
	}
	if n := h.fake.TotalWrites(); n != 0 {
		t.Errorf("plan and dry run wrote: %s", h.fake.WriteSummary())
	}
	if !strings.Contains(planOut, "rule-group scanium/openai: create (2 rules)\n") ||
		!strings.HasSuffix(planOut, "Plan: 7 to create, 1 to update, 0 to delete, 0 unchanged.\n") {
		t.Errorf("plan:\n%s", planOut)
	}
}
