package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const workflowFile = "../../../.github/workflows/pull-request.yml"

type workflow struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]struct {
		Steps []step `yaml:"steps"`
	} `yaml:"jobs"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// TestPullRequestWorkflow: on a pull request, CI checks out the whole
// history, sets up the Go of go.mod, runs .ci/run, then builds the
// provisioner and writes its diff against the base branch to the job
// summary, exit 2 (the artifacts differ) being no failure.
func TestPullRequestWorkflow(t *testing.T) {
	raw, err := os.ReadFile(workflowFile)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Errorf("the workflow does not run on pull_request: on = %v", wf.On)
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("want one job, got %d", len(wf.Jobs))
	}
	var steps []step
	for _, j := range wf.Jobs {
		steps = j.Steps
	}

	// Each step found, in order.
	at := map[string]int{}
	find := func(what string, match func(step) bool) step {
		t.Helper()
		for i, s := range steps {
			if match(s) {
				at[what] = i
				return s
			}
		}
		t.Fatalf("no step %s", what)
		return step{}
	}
	checkout := find("checkout", func(s step) bool { return strings.HasPrefix(s.Uses, "actions/checkout@") })
	if checkout.With["fetch-depth"] != "0" {
		t.Errorf("checkout fetch-depth = %q, want 0 (the whole history: diff reads the base branch)", checkout.With["fetch-depth"])
	}
	setupGo := find("setup-go", func(s step) bool { return strings.HasPrefix(s.Uses, "actions/setup-go@") })
	if setupGo.With["go-version-file"] != "go.mod" {
		t.Errorf("setup-go go-version-file = %q, want go.mod", setupGo.With["go-version-file"])
	}
	find(".ci/run", func(s step) bool { return strings.TrimSpace(s.Run) == "bash .ci/run" })
	review := find("diff", func(s step) bool { return strings.Contains(s.Run, " diff ") })
	if !(at["checkout"] < at["setup-go"] && at["setup-go"] < at[".ci/run"] && at[".ci/run"] < at["diff"]) {
		t.Errorf("steps out of order: %v", at)
	}

	if !strings.Contains(review.Run, "go build -o \"$RUNNER_TEMP/scanium-provisioner\" ./provisioner/cmd/scanium-provisioner\n") {
		t.Errorf("the review step does not build the provisioner:\n%s", review.Run)
	}
	if review.Env["BASE_REF"] != "${{ github.base_ref }}" {
		t.Errorf("BASE_REF = %q, want the pull request's base branch", review.Env["BASE_REF"])
	}
	if strings.Contains(review.Run, "${{") {
		t.Errorf("the script pastes an expression in (use the environment):\n%s", review.Run)
	}
	var diff string
	for _, line := range strings.Split(review.Run, "\n") {
		if strings.Contains(line, `scanium-provisioner" diff `) {
			diff = line
			break
		}
	}
	fields := strings.Fields(diff)
	want := []string{`"$RUNNER_TEMP/scanium-provisioner"`, "diff", "-format", "markdown", `"origin/${BASE_REF}"`, ">>", `"$GITHUB_STEP_SUMMARY"`, "||", "code=$?"}
	if strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Errorf("diff line:\n%s\nwant:\n%s", diff, strings.Join(want, " "))
	}
	if !strings.Contains(review.Run, `if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then`) {
		t.Errorf("the review step does not let exit 2 pass and fail on the others:\n%s", review.Run)
	}

	// The flags it passes are the diff command's.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "-format", "markdown", "-h"}, nil, &stdout, &stderr); code != 0 {
		t.Errorf("diff -format markdown -h: exit %d\n%s", code, stderr.String())
	}
}
