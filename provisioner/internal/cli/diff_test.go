package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/fixture"
)

// generated is the repository's own artifacts, as make generate writes
// them.
const generated = "../../../dashboards-as-code/generated"

// gitRepo is a temporary git repository with the artifacts under
// dashboards-as-code/generated.
type gitRepo struct {
	t        *testing.T
	top, dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	// Neither the machine's nor the user's git configuration.
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	r := &gitRepo{t: t, top: t.TempDir()}
	r.dir = filepath.Join(r.top, "dashboards-as-code", "generated")
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.top, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit commits everything and returns the commit id.
func (r *gitRepo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A", ".")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

// copyArtifacts puts a copy of the repository's artifacts in the repo.
func (r *gitRepo) copyArtifacts() {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Dir(r.dir), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Rename(fixture.Copy(r.t, generated), r.dir); err != nil {
		r.t.Fatal(err)
	}
}

// diff runs the diff command in-process, through Run.
func (r *gitRepo) diff(args ...string) (code int, stdout, stderr string) {
	r.t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), append([]string{"diff", "-dir", r.dir}, args...), func(string) string { return "" }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// thresholdRule finds, in a rule group, the first rule with a threshold
// expression, and returns the rule, the threshold's model and the query
// model it reads.
func thresholdRule(t *testing.T, group any) (rule, threshold, query map[string]any) {
	t.Helper()
	rules, _ := group.(map[string]any)["rules"].([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		data, _ := rule["data"].([]any)
		for _, q := range data {
			model, _ := q.(map[string]any)["model"].(map[string]any)
			if model["type"] == "threshold" {
				threshold = model
			}
			if _, ok := model["expr"].(string); ok && query == nil {
				query = model
			}
		}
		if threshold != nil && query != nil {
			return rule, threshold, query
		}
		threshold, query = nil, nil
	}
	t.Fatal("no rule with a threshold and a query")
	return nil, nil, nil
}

func TestDiffComparesTwoRevisions(t *testing.T) {
	r := newGitRepo(t)
	r.copyArtifacts()
	base := r.commit("artifacts")

	const groupFile = "alerting/openai-latency.json"
	var ruleUID, ruleTitle, groupKey, oldExpr, queryRef, thresholdRef string
	var oldThreshold float64
	fixture.Edit(t, r.dir, groupFile, func(v any) any {
		g := v.(map[string]any)
		groupKey = fmt.Sprint(g["folderUid"], "/", g["title"])
		rule, threshold, query := thresholdRule(t, v)
		ruleUID, ruleTitle = rule["uid"].(string), rule["title"].(string)
		params := threshold["conditions"].([]any)[0].(map[string]any)["evaluator"].(map[string]any)["params"].([]any)
		oldThreshold = params[0].(float64)
		params[0] = oldThreshold * 2
		oldExpr = query["expr"].(string)
		queryRef, thresholdRef = query["refId"].(string), threshold["refId"].(string)
		query["expr"] = "max without () (" + oldExpr + ")"
		return v
	})
	var dashUID, dashTitle, panelTitle string
	var panelID float64
	const dashFile = "dashboards/scanium-openai-runtime.json"
	fixture.Edit(t, r.dir, dashFile, func(v any) any {
		d := v.(map[string]any)
		dashUID, dashTitle = d["uid"].(string), d["title"].(string)
		for _, p := range d["panels"].([]any) {
			panel := p.(map[string]any)
			if title, ok := panel["title"].(string); ok && title != "" {
				panelID, panelTitle = panel["id"].(float64), title
				panel["title"] = title + " (p99)"
				break
			}
		}
		return v
	})
	head := r.commit("raise a threshold, change a query and a title")

	for _, tt := range []struct {
		args       []string
		base, head string
	}{
		{[]string{base, head}, base, head},
		{[]string{base, "HEAD"}, base, "HEAD"},
		{[]string{"main~1"}, "main~1", "the working tree"},
		{[]string{"-format", "text", "main~1", "main"}, "main~1", "main"},
	} {
		args := tt.args
		code, stdout, stderr := r.diff(args...)
		if code != ExitChanges {
			t.Fatalf("diff %v: exit %d, want 2\nstdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
		}
		want := []string{
			fmt.Sprintf("dashboard %s (%s): changed (1 change)", dashUID, dashTitle),
			fmt.Sprintf("    ~ panels[id=%v].title: %q -> %q", panelID, panelTitle, panelTitle+" (p99)"),
			fmt.Sprintf("rule-group %s: changed (1 rule)", groupKey),
			fmt.Sprintf("    rule %s (%s): changed (2 changes)", ruleUID, ruleTitle),
		}
		got := lines(stdout)
		if len(got) != 7 || strings.Join(got[:4], "\n") != strings.Join(want, "\n") {
			t.Fatalf("diff %v:\n%s\nwant it to start with:\n%s", args, stdout, strings.Join(want, "\n"))
		}
		// The rule's changes, sorted by path: the query, then the threshold
		// (its refId comes after the query's in every generated rule).
		if !strings.HasPrefix(got[4], `        ~ data[refId=`+queryRef+`].model.expr: "{+max without () (+}`) || !strings.HasSuffix(got[4], `{+)+}"`) {
			t.Errorf("query change: %s", got[4])
		}
		if want := fmt.Sprintf("        ~ data[refId=%s].model.conditions[0].evaluator.params[0]: %v -> %v", thresholdRef, oldThreshold, oldThreshold*2); !strings.Contains(stdout, want+"\n") {
			t.Errorf("stdout lacks the threshold change %q:\n%s", want, stdout)
		}
		if want := fmt.Sprintf("Diff %s -> %s: 0 added, 0 removed, 2 changed.", tt.base, tt.head); got[6] != want {
			t.Errorf("summary %q, want %q", got[6], want)
		}
		if stderr != "" {
			t.Errorf("stderr:\n%s", stderr)
		}
	}

	// The working tree and its commit hold the same artifacts.
	code, stdout, _ := r.diff("HEAD")
	if code != ExitOK || stdout != "Diff HEAD -> the working tree: 0 added, 0 removed, 0 changed.\n" {
		t.Errorf("diff HEAD: exit %d\n%s", code, stdout)
	}

	// An uncommitted edit, a removed group and a new rule.
	if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(groupFile))); err != nil {
		t.Fatal(err)
	}
	fixture.Edit(t, r.dir, "alerting/openai-errors.json", func(v any) any {
		g := v.(map[string]any)
		rules := g["rules"].([]any)
		raw, _ := json.Marshal(rules[0])
		var copied map[string]any
		_ = json.Unmarshal(raw, &copied)
		copied["uid"], copied["title"] = "openai-review-copy", "OpenAIReviewCopy"
		g["rules"] = append(rules, copied)
		return v
	})
	code, stdout, stderr := r.diff("HEAD")
	if code != ExitChanges {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"\n    rule openai-review-copy (OpenAIReviewCopy): added\n",
		fmt.Sprintf("\nrule-group %s: removed (1 rule)\n", groupKey),
		"Diff HEAD -> the working tree: 0 added, 1 removed, 1 changed.\n",
	} {
		if !strings.Contains("\n"+stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDiffAsMarkdown(t *testing.T) {
	r := newGitRepo(t)
	r.copyArtifacts()
	r.commit("artifacts")
	var groupKey, ruleUID, ruleTitle, oldFor, oldSeverity string
	fixture.Edit(t, r.dir, "alerting/openai-latency.json", func(v any) any {
		g := v.(map[string]any)
		groupKey = fmt.Sprint(g["folderUid"], "/", g["title"])
		rule, _, _ := thresholdRule(t, v)
		ruleUID, ruleTitle = rule["uid"].(string), rule["title"].(string)
		oldFor = rule["for"].(string)
		rule["for"] = "17m"
		labels := rule["labels"].(map[string]any)
		oldSeverity = labels["severity"].(string)
		labels["severity"] = "page-" + oldSeverity
		return v
	})
	code, stdout, stderr := r.diff("-format", "markdown", "HEAD")
	if code != ExitChanges {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"### Grafana artifacts: HEAD → the working tree\n\n0 added, 0 removed, 1 changed.\n\n",
		"- **rule-group** `" + groupKey + "`: changed (1 rule)\n",
		"  - **rule** `" + ruleUID + "` (" + ruleTitle + "): changed (2 changes)\n    ```text\n",
		"    ~ for: \"" + oldFor + "\" -> \"17m\"\n",
		"    ~ labels.severity: \"" + oldSeverity + "\" -> \"page-" + oldSeverity + "\"\n    ```\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("markdown lacks %q:\n%s", want, stdout)
		}
	}

	r.commit("for and severity")
	code, stdout, _ = r.diff("HEAD", "-format", "markdown")
	if code != ExitOK || !strings.Contains(stdout, "No dashboard, rule, contact point or notification policy changed.") {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestDiffErrors(t *testing.T) {
	r := newGitRepo(t)
	if err := os.WriteFile(filepath.Join(r.top, "README.md"), []byte("before the artifacts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := r.commit("no artifacts yet")
	r.copyArtifacts()
	r.commit("artifacts")

	notRepo := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown revision", []string{"origin/nope"}, `error: unknown revision "origin/nope": git knows no commit by that name`},
		{"unknown head", []string{"HEAD", "v9.9.9"}, `error: unknown revision "v9.9.9"`},
		{"an option as a revision", []string{"HEAD", "--output=/tmp/x"}, "flag provided but not defined"},
		{"revision without the directory", []string{empty[:12]}, "error: revision " + empty[:12] + " has no directory dashboards-as-code/generated: is -dir right"},
		{"no base", nil, "diff: give the base revision"},
		{"too many", []string{"HEAD", "HEAD", "HEAD"}, `diff: unexpected argument "HEAD"`},
		{"bad format", []string{"-format", "html", "HEAD"}, `diff: -format "html": use text or markdown`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := r.diff(tt.args...)
			if code != ExitError || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 1 and %q (stdout:\n%s)", code, stderr, tt.want, stdout)
			}
		})
	}

	t.Run("not a git repository", func(t *testing.T) {
		dir := fixture.Copy(t, generated)
		var out, errOut bytes.Buffer
		app := &App{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := app.Run(context.Background(), []string{"diff", "-dir", filepath.Join(notRepo, "x"), "HEAD"})
		if code != ExitError || !strings.Contains(errOut.String(), "is not in a git repository") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
		code = app.Run(context.Background(), []string{"diff", "-dir", dir, "HEAD"})
		if code != ExitError || !strings.Contains(errOut.String(), "is not in a git repository") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
	})
}
