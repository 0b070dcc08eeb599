package compose

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestDollarInEnvFileValues checks what compose does with a $ in a value of
// compose/.env, read as `docker compose --env-file` reads it, and that
// .env.example warns of it as it is.
func TestDollarInEnvFileValues(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, line string
		literal    bool
	}{
		{"PLAIN", `PLAIN=pa$word`, false},
		{"DOUBLE_QUOTED", `DOUBLE_QUOTED="pa$word"`, false},
		{"BACKSLASH", `BACKSLASH=pa\$word`, false},
		{"DOUBLED", `DOUBLED=pa$$word`, true},
		{"SINGLE_QUOTED", `SINGLE_QUOTED='pa$word'`, true},
	}
	var envFile, composeFile strings.Builder
	composeFile.WriteString("services:\n  s:\n    image: busybox:1.37.0\n    environment:\n")
	for _, c := range cases {
		envFile.WriteString(c.line + "\n")
		composeFile.WriteString("      " + c.name + ": ${" + c.name + ":?unset}\n")
	}
	for name, text := range map[string]string{".env": envFile.String(), ComposeFile: composeFile.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	options, err := cli.NewProjectOptions([]string{filepath.Join(dir, ComposeFile)},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv([]string{"word=-expanded-"}),
		cli.WithEnvFiles(filepath.Join(dir, ".env")),
		cli.WithDotEnv,
		cli.WithName("dollar"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := service(t, project, "s")
	for _, c := range cases {
		got, _ := env(s, c.name)
		if literal := got == "pa$word"; literal != c.literal {
			t.Errorf("%s in .env gives %q: the warning of %s no longer matches compose", c.line, got, EnvExampleFile)
		}
	}

	comments, err := os.ReadFile(EnvExampleFile)
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	for line := range strings.SplitSeq(string(comments), "\n") {
		if !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			break
		}
		header = append(header, line)
	}
	warning := strings.Join(header, "\n")
	for _, must := range []string{"A $ in a value", "$$", "single quotes", "double quotes do not"} {
		if !strings.Contains(warning, must) {
			t.Errorf("%s's opening comment does not warn of $ in values (%q is missing)", EnvExampleFile, must)
		}
	}
}
