// Package compose holds the bundle's docker compose project (docker-compose.yml,
// .env.example, the Loki and Tempo configurations) and loads it the way
// docker compose does, with compose-go, so that tests can assert the
// invariants the deployment relies on.
package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// Files of the project, relative to this folder.
const (
	ComposeFile = "docker-compose.yml"
	// ScaleFile is the scale-out overlay, loaded over ComposeFile
	// (docs/scaling.md).
	ScaleFile      = "docker-compose.scale.yml"
	EnvExampleFile = ".env.example"
)

// ProjectName is the compose project name the file declares.
const ProjectName = "scanium"

// Load loads the compose project in dir as `docker compose --project-directory
// dir` would, with env as the whole environment (no variable is read from the
// process) and every profile enabled.
func Load(ctx context.Context, dir string, env map[string]string) (*types.Project, error) {
	options, err := cli.NewProjectOptions(
		[]string{filepath.Join(dir, ComposeFile)},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(environ(env)),
		cli.WithProfiles([]string{"*"}),
		cli.WithName(ProjectName),
	)
	if err != nil {
		return nil, fmt.Errorf("compose options for %s: %w", dir, err)
	}
	project, err := options.LoadProject(ctx)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", filepath.Join(dir, ComposeFile), err)
	}
	return project, nil
}

// ReadEnvFile reads a dotenv file such as .env.example, with compose's own
// parser. Values do not expand variables from the process environment.
func ReadEnvFile(path string) (map[string]string, error) {
	env, err := dotenv.ReadFile(path, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return env, nil
}

// interpolation matches $NAME and ${NAME...}; a doubled $$ is compose's escape
// for a literal dollar and is consumed first so it never matches.
var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)`)

// Interpolations returns, sorted and without duplicates, the names of the
// variables that text interpolates, as compose reads them from the raw file.
func Interpolations(text string) []string {
	var names []string
	for _, m := range interpolation.FindAllStringSubmatch(text, -1) {
		switch {
		case m[1] != "":
			names = append(names, m[1])
		case m[2] != "":
			names = append(names, m[2])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// InterpolatedVariables reads the compose file and the scale-out overlay in
// dir and returns the variables they interpolate.
func InterpolatedVariables(dir string) ([]string, error) {
	var text strings.Builder
	for _, f := range []string{ComposeFile, ScaleFile} {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("read compose file: %w", err)
		}
		text.Write(raw)
		text.WriteByte('\n')
	}
	return Interpolations(text.String()), nil
}

func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}
