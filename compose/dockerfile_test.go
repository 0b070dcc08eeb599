package compose

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile is the little of a Dockerfile the bundle's checks read.
type dockerfile struct {
	args   map[string]string // ARG defaults declared before the first FROM
	stages []stage
}

type stage struct {
	from, name  string
	user        string
	healthcheck string
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// parseDockerfile reads FROM, ARG, USER and HEALTHCHECK instructions,
// joining continued lines.
func parseDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := dockerfile{args: map[string]string{}}
	var pending string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			pending += cont + " "
			continue
		}
		line, pending = pending+line, ""
		instruction, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToUpper(instruction) {
		case "ARG":
			if len(d.stages) == 0 {
				name, value, _ := strings.Cut(rest, "=")
				d.args[name] = value
			}
		case "FROM":
			fields := strings.Fields(rest)
			s := stage{}
			for i := 0; i < len(fields); i++ {
				switch {
				case strings.HasPrefix(fields[i], "--"):
				case strings.EqualFold(fields[i], "AS") && i+1 < len(fields):
					s.name = fields[i+1]
					i++
				default:
					s.from = fields[i]
				}
			}
			d.stages = append(d.stages, s)
		case "USER":
			d.stages[len(d.stages)-1].user = rest
		case "HEALTHCHECK":
			d.stages[len(d.stages)-1].healthcheck = rest
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if len(d.stages) == 0 {
		t.Fatalf("%s has no FROM", path)
	}
	return d
}

// resolve expands ARG references with their defaults.
func (d dockerfile) resolve(s string) string {
	return argRef.ReplaceAllStringFunc(s, func(ref string) string {
		return d.args[argRef.FindStringSubmatch(ref)[1]]
	})
}

func TestImagesBuildOnPinnedBasesAndRunUnprivileged(t *testing.T) {
	for _, path := range []string{
		filepath.Join("..", "backend", "Dockerfile"),
		filepath.Join("..", "provisioner", "Dockerfile"),
		filepath.Join("healthprobe", "Dockerfile"),
	} {
		t.Run(path, func(t *testing.T) {
			d := parseDockerfile(t, path)
			stages := map[string]bool{}
			for _, s := range d.stages {
				from := d.resolve(s.from)
				if !stages[from] && !(from == "" && strings.Contains(s.from, "BASE_IMAGE")) {
					if err := pinned(from); err != nil {
						t.Errorf("FROM %s: %v", s.from, err)
					}
				}
				stages[s.name] = true
			}
			if strings.Contains(path, "healthprobe") {
				return // the upstream image keeps its own user
			}
			final := d.stages[len(d.stages)-1]
			if final.user == "" || strings.HasPrefix(final.user, "0") || strings.HasPrefix(final.user, "root") {
				t.Errorf("the final stage runs as %q: set a non-root USER", final.user)
			}
		})
	}
}

func TestBackendImageChecksItsOwnHealth(t *testing.T) {
	final := parseDockerfile(t, filepath.Join("..", "backend", "Dockerfile")).stages
	hc := final[len(final)-1].healthcheck
	if !strings.Contains(hc, `CMD ["/usr/local/bin/scanium-backend", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK %q: run the backend's own healthcheck in exec form (the image has no shell)", hc)
	}
}
