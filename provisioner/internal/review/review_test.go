package review

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
)

func dashboard(uid, title string, extra map[string]any) artifact.Dashboard {
	m := map[string]any{"uid": uid, "title": title, "version": json.Number("3")}
	for k, v := range extra {
		m[k] = v
	}
	return artifact.Dashboard{File: "dashboards/" + uid + ".json", UID: uid, Title: title, Model: m}
}

func group(title string, rules ...*models.ProvisionedAlertRule) artifact.RuleGroup {
	return artifact.RuleGroup{File: "alerting/" + title + ".json", Group: &models.AlertRuleGroup{FolderUID: "scanium", Title: title, Interval: 60, Rules: rules}}
}

func rule(uid, title string, forDur time.Duration, severity string) *models.ProvisionedAlertRule {
	d := strfmt.Duration(forDur)
	return &models.ProvisionedAlertRule{UID: uid, Title: &title, For: &d, Labels: map[string]string{"severity": severity}}
}

func text(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Text(&b, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCompareListsWhatDiffersInKindOrder(t *testing.T) {
	base := &artifact.Bundle{
		Dashboards: []artifact.Dashboard{dashboard("b-dash", "B", nil), dashboard("c-dash", "C", nil)},
		RuleGroups: []artifact.RuleGroup{group("latency", rule("high-latency", "HighLatency", 10*time.Minute, "warning"), rule("gone", "Gone", time.Minute, "warning"))},
	}
	head := &artifact.Bundle{
		Dashboards: []artifact.Dashboard{
			dashboard("a-dash", "A", nil),
			// Another version only: Grafana's, not a change.
			dashboard("b-dash", "B", map[string]any{"version": json.Number("4")}),
		},
		RuleGroups: []artifact.RuleGroup{group("latency", rule("high-latency", "HighLatency", 15*time.Minute, "critical"), rule("new", "New", time.Minute, "warning"))},
		ContactPoints: []*models.EmbeddedContactPoint{{UID: "scanium-email", Name: "oncall", Type: strPtr("email"),
			Settings: map[string]any{"addresses": "${ONCALL_EMAIL}"}}},
	}
	r, err := Compare("main", base, "feature", head)
	if err != nil {
		t.Fatal(err)
	}
	want := `dashboard a-dash (A): added
dashboard c-dash (C): removed
rule-group scanium/latency: changed (3 rules)
    rule high-latency (HighLatency): changed (2 changes)
        ~ for: "10m" -> "15m"
        ~ labels.severity: "warning" -> "critical"
    rule new (New): added
    rule gone (Gone): removed
contact-point scanium-email (oncall): added
Diff main -> feature: 2 added, 1 removed, 1 changed.
`
	if got := text(t, r); got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}
	if r.Equal() {
		t.Error("Equal on different bundles")
	}

	same, err := Compare("main", base, "main", base)
	if err != nil {
		t.Fatal(err)
	}
	if !same.Equal() || text(t, same) != "Diff main -> main: 0 added, 0 removed, 0 changed.\n" {
		t.Errorf("a bundle against itself:\n%s", text(t, same))
	}
}

func strPtr(s string) *string { return &s }

func TestMarkdownKeepsValuesAsTheyAre(t *testing.T) {
	base := &artifact.Bundle{Dashboards: []artifact.Dashboard{dashboard("d", "Cost *per* <model>", map[string]any{"description": "run ```make```"})}}
	head := &artifact.Bundle{Dashboards: []artifact.Dashboard{dashboard("d", "Cost *per* <model>", map[string]any{"description": "run ````make````"})}}
	r, err := Compare("origin/main", base, WorkingTree, head)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Markdown(&b, func(s string) string { return strings.ReplaceAll(s, "make", "<secret>") }); err != nil {
		t.Fatal(err)
	}
	want := "### Grafana artifacts: origin/main → the working tree\n\n" +
		"0 added, 0 removed, 1 changed.\n\n" +
		"- **dashboard** `d` (Cost \\*per\\* \\<model\\>): changed (1 change)\n" +
		"  `````text\n" +
		"  ~ description: \"run ```<secret>```\" -> \"run ````<secret>````\"\n" +
		"  `````\n"
	if got := b.String(); got != want {
		t.Errorf("Markdown:\n%s\nwant:\n%s", got, want)
	}
}

func tarOf(t *testing.T, entries ...*tar.Header) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, h := range entries {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Name))
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := w.Write([]byte(h.Name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestExtractWritesOnlyRegularFilesUnderItsDirectory(t *testing.T) {
	dir := t.TempDir()
	ok := tarOf(t,
		&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "abc"}},
		&tar.Header{Typeflag: tar.TypeDir, Name: "gen/", Mode: 0o755},
		&tar.Header{Typeflag: tar.TypeReg, Name: "gen/dashboards/a.json", Mode: 0o644},
	)
	if err := extract(ok, dir, "main"); err != nil {
		t.Fatal(err)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "gen", "dashboards", "a.json")); err != nil || string(raw) != "gen/dashboards/a.json" {
		t.Errorf("extracted %q, %v", raw, err)
	}

	for name, h := range map[string]*tar.Header{
		"a symbolic link":  {Typeflag: tar.TypeSymlink, Name: "gen/dashboards/b.json", Linkname: "/etc/passwd"},
		"a path outside":   {Typeflag: tar.TypeReg, Name: "../outside.json"},
		"an absolute path": {Typeflag: tar.TypeReg, Name: "/tmp/abs.json"},
		"a device":         {Typeflag: tar.TypeChar, Name: "gen/dashboards/c.json"},
	} {
		err := extract(tarOf(t, h), t.TempDir(), "main")
		if err == nil || !strings.Contains(err.Error(), "main") {
			t.Errorf("%s: extract = %v, want an error naming the revision", name, err)
		}
	}
}

func TestMarkdownStaysWithinAJobSummary(t *testing.T) {
	var base, head artifact.Bundle
	// Each change rewrites a whole value: about 430 bytes of markdown.
	from, to := strings.Repeat("a", 300), strings.Repeat("b", 300)
	for i := range 3000 {
		uid := fmt.Sprintf("d%04d", i)
		base.Dashboards = append(base.Dashboards, dashboard(uid, "D", map[string]any{"description": from}))
		head.Dashboards = append(head.Dashboards, dashboard(uid, "D", map[string]any{"description": to}))
	}
	r, err := Compare("main", &base, WorkingTree, &head)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Markdown(&b, nil); err != nil {
		t.Fatal(err)
	}
	if b.Len() > maxMarkdownBytes+1000 {
		t.Errorf("the markdown is %d bytes", b.Len())
	}
	if !strings.Contains(b.String(), "more: the rest is too long for a job summary, run `scanium-provisioner diff main`") {
		t.Errorf("the cut is not said: %s", b.String()[b.Len()-300:])
	}
	if !strings.Contains(b.String(), "- **dashboard** `d0000`") {
		t.Errorf("the first dashboard is missing")
	}
}
