package compose

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const modulePath = "github.com/scanium/openai-monitoring"

// TestDockerBuildsCopyEveryPackageTheyCompile: each image's build stage
// copies folders of the repository into the build context, then builds
// packages; every package of this module that those packages import must lie
// in a copied folder, or `docker compose build` fails with "package ... is
// not in std" on the NAS while every Go test here passes.
func TestDockerBuildsCopyEveryPackageTheyCompile(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	included := dockerignoreIncludes(t, filepath.Join(root, ".dockerignore"))
	for _, dockerfile := range []string{"backend/Dockerfile", "provisioner/Dockerfile"} {
		copied, built := buildStage(t, filepath.Join(root, dockerfile))
		for _, dir := range copied {
			if !included[dir] {
				t.Errorf("%s copies %s/, which .dockerignore leaves out of the build context: add !%s/", dockerfile, dir, dir)
			}
		}
		if len(built) == 0 {
			t.Errorf("%s: no `go build ./...` of this module's packages found", dockerfile)
			continue
		}
		cmd := exec.Command("go", append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, built...)...)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: go list %v: %v", dockerfile, built, err)
		}
		for _, pkg := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(pkg, modulePath+"/")
			if !ok {
				continue
			}
			in := false
			for _, dir := range copied {
				if rel == dir || strings.HasPrefix(rel, dir+"/") {
					in = true
				}
			}
			if !in {
				t.Errorf("%s builds %s, which imports %s: its folder %s is not copied into the build stage (copied: %v)",
					dockerfile, strings.Join(built, " "), pkg, rel, copied)
			}
		}
	}
}

// dockerignoreIncludes reads the folders a .dockerignore that excludes
// everything ("*") lets back into the context ("!folder/").
func dockerignoreIncludes(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	excludeAll := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "*":
			excludeAll = true
		case strings.HasPrefix(line, "!"):
			out[strings.TrimSuffix(strings.TrimPrefix(line, "!"), "/")] = true
		}
	}
	if !excludeAll {
		t.Fatalf("%s does not start from excluding everything (*): the checks of what it lets in do not hold", path)
	}
	return out
}

// buildStage reads the first stage of a Dockerfile: the folders its COPY
// instructions take from the build context (the repository), and the
// module's packages its `go build` compiles.
func buildStage(t *testing.T, path string) (copied, built []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var line string
	froms := 0
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		text := strings.TrimSpace(scanner.Text())
		if strings.HasPrefix(text, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			line += cont + " "
			continue
		}
		line, text = "", line+text
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms++
		case "COPY":
			if froms != 1 || len(fields) < 3 || strings.HasPrefix(fields[1], "--") {
				continue
			}
			for _, src := range fields[1 : len(fields)-1] {
				if dir := strings.TrimSuffix(filepath.ToSlash(filepath.Clean(src)), "/"); dir != "." && !strings.Contains(dir, ".") {
					copied = append(copied, dir)
				}
			}
		case "RUN":
			if froms != 1 {
				continue
			}
			for i, fld := range fields {
				if fld == "build" && i > 0 && fields[i-1] == "go" {
					for _, arg := range fields[i+1:] {
						if strings.HasPrefix(arg, "./") {
							built = append(built, arg)
						}
					}
				}
			}
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return copied, built
}
