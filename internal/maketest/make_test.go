package maketest

import (
	"github.com/scanium/openai-monitoring/internal/nettest"

	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fakeToken is the service account token the fake Grafana accepts; it is
// no secret of anything.
const fakeToken = "glsa_maketest_token_0c4e1b"

// envLiveTests set to "required" turns the skips (no make, no git) into
// failures, as for the backend's live tests.
const envLiveTests = "SCANIUM_LIVE_TESTS"

// repoRoot is the directory of go.mod, where make runs.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s is not on PATH: the Makefile tests need it", tool)
			if os.Getenv(envLiveTests) == "required" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// inherited are the variables of the test's own environment that must not
// reach make: a make running this test passes its flags and level, and the
// Makefile's variables and the provisioner's settings come from each test.
func inherited(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	switch name {
	case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES", "ARGS", "BASE", "HEAD", "PROVISIONER", "PROVISIONER_BIN":
		return false
	}
	return !strings.HasPrefix(name, "GRAFANA_")
}

// result is what one make run did.
type result struct {
	code   int
	output string
}

// makeRun runs `make -s args...` in the repository root with the test's
// environment plus env (NAME=value), and returns make's exit code and its
// combined output. The provisioner is built into a directory of the test,
// so that the test neither races nor replaces the one under .tools/.
func makeRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	need(t, "make")
	bin := filepath.Join(buildDir(t), "scanium-provisioner")
	cmd := exec.Command("make", append([]string{"-s", "PROVISIONER_BIN=" + bin}, args...)...)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return !inherited(kv) }), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return result{0, string(out)}
	case errors.As(err, &exit):
		return result{exit.ExitCode(), string(out)}
	default:
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		return result{}
	}
}

var (
	buildDirPath string
	// makeError is GNU make's line for a failed recipe.
	makeError = regexp.MustCompile(`make: \*\*\* \[[^\]]*\] Error (\d+)`)
)

// buildDir is one directory for the whole test binary: the provisioner is
// linked once, then go build finds it up to date.
func buildDir(t *testing.T) string {
	t.Helper()
	if buildDirPath == "" {
		t.Fatal("TestMain did not create the build directory")
	}
	return buildDirPath
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "maketest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDirPath = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// recipeErrors returns the codes of make's `Error N` lines.
func recipeErrors(output string) []string {
	var codes []string
	for _, m := range makeError.FindAllStringSubmatch(output, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

func (r result) expect(t *testing.T, what string, code int, recipeError string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s: make exited %d, want %d\n%s", what, r.code, code, r.output)
	}
	errs := recipeErrors(r.output)
	switch {
	case recipeError == "" && len(errs) > 0:
		t.Errorf("%s: make reports Error %s, want no failed recipe\n%s", what, strings.Join(errs, ", "), r.output)
	case recipeError != "" && !slices.Equal(errs, []string{recipeError}):
		t.Errorf("%s: make reports Error %v, want exactly Error %s\n%s", what, errs, recipeError, r.output)
	}
}

// fakeGrafanaSource is a program that serves the provisioner's fake
// Grafana until its standard input closes, printing its URL first.
const fakeGrafanaSource = `package main

import (
	"fmt"
	"io"
	"os"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

func main() {
	s := grafanafake.Start(grafanafake.Options{Token: os.Args[1]})
	defer s.Close()
	fmt.Println(s.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
}
`

// startFakeGrafana runs provisioner/internal/grafanafake in a process of
// its own, since make runs the provisioner as a process too. The package is
// internal to provisioner/, so the program is built as if it lived there,
// through a go build overlay: nothing is written into the tree.
func startFakeGrafana(t *testing.T) string {
	t.Helper()
	need(t, "go")
	root := repoRoot(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte(fakeGrafanaSource), 0o644); err != nil {
		t.Fatal(err)
	}
	virtual := filepath.Join(root, "provisioner", "internal", "grafanafake", "maketestserver", "main.go")
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, fmt.Appendf(nil, `{"Replace": {%q: %q}}`, virtual, src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fake-grafana")
	build := exec.Command("go", "build", "-overlay", overlay, "-o", bin, "./provisioner/internal/grafanafake/maketestserver")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the fake Grafana: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, fakeToken)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("fake Grafana: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("fake Grafana printed no URL: %v", err)
	}
	return strings.TrimSpace(line)
}

// refusedURL is a local address where nothing listens.
func refusedURL(t *testing.T) string {
	t.Helper()
	return "http://" + nettest.ClosedAddr(t)
}

func grafanaEnv(url string) []string {
	return []string{"GRAFANA_URL=" + url, "GRAFANA_TOKEN=" + fakeToken}
}

func TestPlanReportsChangesAsError2ThroughMake(t *testing.T) {
	env := grafanaEnv(startFakeGrafana(t))

	// An empty Grafana: everything is to create.
	plan := makeRun(t, env, "plan", "ARGS=-v -wait 5s")
	plan.expect(t, "make plan against an empty Grafana", 2, "2")
	// -v reached the provisioner: it prints the requests it makes.
	if !strings.Contains(plan.output, "/api/health") {
		t.Errorf("make plan ARGS=-v: no request lines, so the flag did not reach the provisioner\n%s", plan.output)
	}
	if strings.Contains(plan.output, fakeToken) {
		t.Error("make plan -v printed the Grafana token")
	}

	// After make provision, nothing is left to change: make succeeds.
	makeRun(t, env, "provision", "ARGS=-wait 5s").expect(t, "make provision", 0, "")
	makeRun(t, env, "plan", "ARGS=-wait 5s").expect(t, "make plan after make provision", 0, "")
}

func TestPlanReportsAFailureAsError1ThroughMake(t *testing.T) {
	r := makeRun(t, grafanaEnv(refusedURL(t)), "plan", "ARGS=-wait 0s")
	r.expect(t, "make plan against a refused URL", 2, "1")
	if !strings.Contains(r.output, "connection refused") {
		t.Errorf("make plan against a refused URL does not say why it failed\n%s", r.output)
	}
}

func TestValidateTakesArgs(t *testing.T) {
	makeRun(t, nil, "validate").expect(t, "make validate", 0, "")
	bad := makeRun(t, nil, "validate", "ARGS=-dir "+t.TempDir())
	bad.expect(t, "make validate ARGS='-dir <empty directory>'", 2, "1")
}

// fakeDocker is a docker CLI without the compose subcommand, as Docker
// Engine is without the docker-compose-plugin package. It logs every call.
const fakeDocker = `#!/bin/sh
echo "$*" >> "$DOCKER_CALLS"
case "$1" in
compose) echo "docker: unknown command: docker compose" >&2; exit 1 ;;
esac
exit 0
`

func TestComposeTargetsNeedComposeV2(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(fakeDocker), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"up", "demo", "down", "logs", "up-scale", "down-scale"} {
		t.Run(target, func(t *testing.T) {
			calls := filepath.Join(t.TempDir(), "calls")
			env := []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH"), "DOCKER_CALLS=" + calls}
			r := makeRun(t, env, target)
			r.expect(t, "make "+target+" without Docker Compose v2", 2, "1")
			for _, hint := range []string{"Docker Compose v2", "docker-compose-plugin", "Docker Desktop"} {
				if !strings.Contains(r.output, hint) {
					t.Errorf("make %s does not say %q\n%s", target, hint, r.output)
				}
			}
			logged, err := os.ReadFile(calls)
			if err != nil {
				t.Fatalf("make %s never asked docker for compose: %v", target, err)
			}
			if got := strings.Split(strings.TrimSpace(string(logged)), "\n"); !slices.Equal(got, []string{"compose version"}) {
				t.Errorf("make %s ran docker %q, want only `docker compose version`", target, got)
			}
		})
	}
}

// recorder stands in for the provisioner and prints its arguments.
const recorder = `#!/bin/sh
echo "args: $*"
exit 2
`

func TestReviewRunsTheProvisionersDiff(t *testing.T) {
	need(t, "git")
	fake := filepath.Join(t.TempDir(), "provisioner")
	if err := os.WriteFile(fake, []byte(recorder), 0o755); err != nil {
		t.Fatal(err)
	}
	args := func(r result) []string {
		for line := range strings.SplitSeq(r.output, "\n") {
			if rest, ok := strings.CutPrefix(line, "args: "); ok {
				return strings.Fields(rest)
			}
		}
		t.Fatalf("the provisioner did not run\n%s", r.output)
		return nil
	}

	r := makeRun(t, nil, "review", "PROVISIONER="+fake, "BASE=v0.1.0", "HEAD=feature", "ARGS=-format markdown")
	r.expect(t, "make review with differences", 2, "2")
	if got, want := args(r), []string{"diff", "-format", "markdown", "v0.1.0", "feature"}; !slices.Equal(got, want) {
		t.Errorf("make review ran the provisioner with %q, want %q", got, want)
	}

	// Without BASE, a revision that HEAD descends from.
	r = makeRun(t, nil, "review", "PROVISIONER="+fake)
	got := args(r)
	if len(got) != 2 || got[0] != "diff" {
		t.Fatalf("make review ran the provisioner with %q, want diff and a base", got)
	}
	if _, err := git(t, "merge-base", "--is-ancestor", got[1], "HEAD"); err != nil {
		t.Errorf("make review's default base %q is not an ancestor of HEAD: %v", got[1], err)
	}
}

func TestHelpListsTheTargets(t *testing.T) {
	r := makeRun(t, nil, "help")
	r.expect(t, "make help", 0, "")
	for _, target := range []string{"up", "demo", "down", "logs", "up-scale", "down-scale", "provision", "plan", "validate", "review", "test"} {
		if !regexp.MustCompile(`(?m)^  make ` + target + ` `).MatchString(r.output) {
			t.Errorf("make help does not list %s\n%s", target, r.output)
		}
	}
}

// git runs git in the repository root and returns its trimmed output.
func git(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// The real diff through make: a commit that changed the generated
// artifacts differs from its parent (Error 2); a revision equals itself.
func TestReviewReportsDifferencesAsError2ThroughMake(t *testing.T) {
	need(t, "git")
	changed, err := git(t, "log", "-1", "--format=%H", "--", "dashboards-as-code/generated")
	if err != nil || changed == "" {
		t.Skipf("no commit in this clone's history changed dashboards-as-code/generated (%v)", err)
	}
	if _, err := git(t, "rev-parse", "-q", "--verify", changed+"~1^{commit}"); err != nil {
		t.Skipf("the parent of %s is not in this clone (shallow?)", changed)
	}
	makeRun(t, nil, "review", "BASE="+changed+"~1", "HEAD="+changed).
		expect(t, "make review of a commit that changed the artifacts", 2, "2")
	makeRun(t, nil, "review", "BASE="+changed, "HEAD="+changed).
		expect(t, "make review of a revision against itself", 0, "")
}
