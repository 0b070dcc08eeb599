package artifacts

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// managedDirs are the subdirectories of the generated directory whose *.json
// files belong to the generator; nothing else in it is read or removed.
func managedDirs() []string { return bundle.Dirs() }

// Read loads the managed files of a generated directory. A missing directory
// reads as an empty set.
func Read(dir string) (Set, error) {
	set := Set{}
	for _, sub := range managedDirs() {
		matches, err := filepath.Glob(filepath.Join(dir, sub, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", filepath.Join(dir, sub), err)
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("read artifact: %w", err)
			}
			if !info.Mode().IsRegular() {
				continue
			}
			data, err := os.ReadFile(m)
			if err != nil {
				return nil, fmt.Errorf("read artifact: %w", err)
			}
			set[path.Join(sub, filepath.Base(m))] = data
		}
	}
	return set, nil
}

// Change is what Write did to one file.
type Change struct {
	Path string
	// Action is "wrote" or "removed".
	Action string
}

// Write makes dir hold exactly the set: it writes files whose content
// differs and removes managed files that the set no longer has.
func Write(dir string, set Set) ([]Change, error) {
	current, err := Read(dir)
	if err != nil {
		return nil, err
	}
	var changes []Change
	for _, p := range set.Paths() {
		if old, ok := current[p]; ok && bytes.Equal(old, set[p]) {
			continue
		}
		file := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return changes, fmt.Errorf("create %s: %w", filepath.Dir(file), err)
		}
		if err := writeFile(file, set[p]); err != nil {
			return changes, err
		}
		changes = append(changes, Change{Path: p, Action: "wrote"})
	}
	for _, p := range current.Paths() {
		if _, keep := set[p]; keep {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return changes, fmt.Errorf("remove stale artifact: %w", err)
		}
		changes = append(changes, Change{Path: p, Action: "removed"})
	}
	return changes, nil
}

// writeFile replaces a file through a temporary file in the same directory,
// so that a reader never sees half of it.
func writeFile(file string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".generate-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// Drift is a difference between a directory and a set.
type Drift struct {
	Path string
	// Problem is "differs", "missing" or "stale".
	Problem string
}

// Reason says what is wrong with the file.
func (d Drift) Reason() string {
	switch d.Problem {
	case "missing":
		return "missing, the code generates it"
	case "stale":
		return "stale, the code no longer generates it"
	default:
		return "differs from what the code generates"
	}
}

// Check compares dir with the set without writing anything.
func Check(dir string, set Set) ([]Drift, error) {
	current, err := Read(dir)
	if err != nil {
		return nil, err
	}
	var drifts []Drift
	for _, p := range set.Paths() {
		old, ok := current[p]
		switch {
		case !ok:
			drifts = append(drifts, Drift{p, "missing"})
		case !bytes.Equal(old, set[p]):
			drifts = append(drifts, Drift{p, "differs"})
		}
	}
	for _, p := range current.Paths() {
		if _, ok := set[p]; !ok {
			drifts = append(drifts, Drift{p, "stale"})
		}
	}
	slices.SortFunc(drifts, func(a, b Drift) int { return strings.Compare(a.Path, b.Path) })
	return drifts, nil
}
