package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func committedConfig() string { return filepath.Join("..", "..", "config.yaml") }

// generate runs the command and returns its exit code and output.
func generate(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// runbooksIn is a runbooks path in a directory of the test.
func runbooksIn(t *testing.T) string { return filepath.Join(t.TempDir(), "docs", "runbooks.md") }

func TestGenerateThenCheck(t *testing.T) {
	out := t.TempDir()
	doc := runbooksIn(t)
	code, stdout, stderr := generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc)
	if code != 0 {
		t.Fatalf("generate exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+filepath.Join(out, "dashboards", "scanium-openai-runtime.json")) {
		t.Errorf("stdout does not list the dashboard:\n%s", stdout)
	}
	if !strings.Contains(stdout, "wrote "+doc) {
		t.Errorf("stdout does not list the runbooks:\n%s", stdout)
	}
	written, err := os.ReadFile(doc)
	if err != nil || !strings.Contains(string(written), "\n## OpenAIHighErrorRate\n") {
		t.Fatalf("the runbooks were not written (%v):\n%.300s", err, written)
	}
	before := snapshot(t, out)

	code, stdout, _ = generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc)
	if code != 0 || !strings.Contains(stdout, "(0 changed)") || strings.Contains(stdout, "wrote "+doc) {
		t.Errorf("second run exited %d, stdout:\n%s", code, stdout)
	}
	if after := snapshot(t, out); !maps.Equal(before, after) {
		t.Error("a second run changed the artifacts")
	}
	if again, _ := os.ReadFile(doc); string(again) != string(written) {
		t.Error("a second run changed the runbooks")
	}

	code, stdout, stderr = generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc, "-check")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "match the code") || !strings.Contains(stdout, doc+" matches the code") {
		t.Errorf("check of fresh artifacts exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// TestCommittedFilesMatchTheCode holds the committed generated/ and
// docs/runbooks.md to what the code generates from the committed
// configuration.
func TestCommittedFilesMatchTheCode(t *testing.T) {
	code, stdout, stderr := generate(t, "-config", committedConfig(), "-out", filepath.Join("..", "..", "generated"),
		"-runbooks", filepath.Join("..", "..", "..", "docs", "runbooks.md"), "-check")
	if code != 0 {
		t.Errorf("check exited %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

func TestCheckReportsRunbooksDrift(t *testing.T) {
	out := t.TempDir()
	doc := runbooksIn(t)
	if code, _, stderr := generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc); code != 0 {
		t.Fatalf("generate exited %d: %s", code, stderr)
	}
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	// A hand edit of a threshold: the file no longer says what the rules do.
	edited := strings.Replace(string(data), "a model's error % > 5 for 5m", "a model's error % > 6 for 5m", 1)
	if edited == string(data) {
		t.Fatal("the runbooks do not quote the error rate threshold")
	}
	if err := os.WriteFile(doc, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc, "-check")
	if code != 1 {
		t.Errorf("check exited %d, want 1", code)
	}
	for _, want := range []string{
		doc + ": differs from what the code generates",
		"1 generated files are out of date: run make generate",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "match the code") {
		t.Errorf("the JSON should still match:\n%s", stdout)
	}
	if after, _ := os.ReadFile(doc); string(after) != edited {
		t.Error("-check wrote the runbooks")
	}

	// A changed configuration changes the document: the committed one drifts.
	cfgData, err := os.ReadFile(committedConfig())
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(cfgData), "warning_percent: 5\n", "warning_percent: 6\n", 1)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := generate(t, "-config", cfg, "-out", t.TempDir(), "-runbooks", doc); code != 0 {
		t.Fatalf("generate exited %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(doc); !strings.Contains(string(after), "a model's error % > 6 for 5m") {
		t.Error("the runbooks do not quote the changed threshold")
	}

	if err := os.Remove(doc); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc, "-check")
	if code != 1 || !strings.Contains(stderr, doc+": missing, the code generates it") {
		t.Errorf("check of a missing document exited %d: %s", code, stderr)
	}
}

func TestCheckReportsEveryDriftAndWritesNothing(t *testing.T) {
	out := t.TempDir()
	doc := runbooksIn(t)
	if code, _, stderr := generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc); code != 0 {
		t.Fatalf("generate exited %d: %s", code, stderr)
	}
	differs := filepath.Join(out, "alerting", "openai-errors.json")
	missing := filepath.Join(out, "alerting", "openai-latency.json")
	stale := filepath.Join(out, "alerting", "openai-retired.json")
	if err := os.WriteFile(differs, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(missing); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)

	code, _, stderr := generate(t, "-config", committedConfig(), "-out", out, "-runbooks", doc, "-check")
	if code != 1 {
		t.Errorf("check exited %d, want 1", code)
	}
	for _, want := range []string{
		differs + ": differs from what the code generates",
		missing + ": missing, the code generates it",
		stale + ": stale, the code no longer generates it",
		"3 generated files are out of date: run make generate",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if after := snapshot(t, out); !maps.Equal(before, after) {
		t.Error("-check wrote to the directory")
	}
}

func TestBadConfiguration(t *testing.T) {
	data, err := os.ReadFile(committedConfig())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "warning_percent: 5\n", "warning_percent: 0\n", 1)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	doc := runbooksIn(t)
	code, _, stderr := generate(t, "-config", cfg, "-out", out, "-runbooks", doc)
	if code != 1 || !strings.Contains(stderr, cfg+": alerts.error_rate.warning_percent: must be > 0") {
		t.Errorf("exited %d, stderr:\n%s", code, stderr)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a bad configuration wrote %d entries", len(entries))
	}
	if _, err := os.Stat(doc); err == nil {
		t.Error("a bad configuration wrote the runbooks")
	}
}

func TestMissingConfiguration(t *testing.T) {
	code, _, stderr := generate(t, "-config", filepath.Join(t.TempDir(), "config.yaml"), "-out", t.TempDir(), "-runbooks", runbooksIn(t))
	if code != 1 || !strings.Contains(stderr, "run from the repository root or pass -config") {
		t.Errorf("exited %d, stderr:\n%s", code, stderr)
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := generate(t, "-bogus"); code != 2 {
		t.Errorf("unknown flag exited %d, want 2", code)
	}
	if code, _, stderr := generate(t, "extra"); code != 2 || !strings.Contains(stderr, `unexpected argument "extra"`) {
		t.Errorf("argument exited %d: %s", code, stderr)
	}
	if code, _, _ := generate(t, "-h"); code != 0 {
		t.Errorf("-h exited %d", code)
	}
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
