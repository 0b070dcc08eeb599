package review

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
)

// WorkingTree names the files as they are on disk, in a report.
const WorkingTree = "the working tree"

// maxArchiveBytes bounds what one revision's artifact directory may hold
// once extracted (artifact.Load caps each file on its own).
const maxArchiveBytes = 256 << 20

// Repo is the git repository that holds an artifact directory.
type Repo struct {
	// Top is the repository's top directory; Rel is the artifact
	// directory relative to it, with slashes.
	Top, Rel string
}

// OpenRepo finds the git repository of the artifact directory dir (which
// may be missing from the working tree, as long as its parent is in the
// repository).
func OpenRepo(ctx context.Context, dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("git is not installed (or not on PATH): diff reads the artifacts of git revisions")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// The nearest existing directory, and the rest of the path.
	existing, rest := abs, ""
	for {
		if info, err := os.Stat(existing); err == nil && info.IsDir() {
			break
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return nil, fmt.Errorf("%s: no directory of it exists", dir)
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
	out, err := git(ctx, existing, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git repository: diff compares the artifacts of git revisions (%v)", dir, err)
	}
	top, err := filepath.EvalSymlinks(strings.TrimSpace(out))
	if err != nil {
		return nil, err
	}
	resolved, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(top, filepath.Join(resolved, rest))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fmt.Errorf("%s is outside the git repository at %s", dir, top)
	}
	return &Repo{Top: top, Rel: filepath.ToSlash(rel)}, nil
}

// Commit resolves rev to a commit id, or says that git knows no such
// revision.
func (r *Repo) Commit(ctx context.Context, rev string) (string, error) {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, "\x00\n") {
		return "", fmt.Errorf("%q is not a revision: give a branch, tag or commit (origin/main, a sha, main~1)", rev)
	}
	out, err := git(ctx, r.Top, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("unknown revision %q: git knows no commit by that name in %s (fetch it first, e.g. git fetch origin main, or check the spelling)", rev, r.Top)
	}
	return strings.TrimSpace(out), nil
}

// Load reads the artifacts of revision rev: it extracts the artifact
// directory of that commit (git archive) into a temporary directory and
// loads it with artifact.Load. The temporary directory is gone when Load
// returns.
func (r *Repo) Load(ctx context.Context, rev string) (*artifact.Bundle, error) {
	commit, err := r.Commit(ctx, rev)
	if err != nil {
		return nil, err
	}
	spec := commit + ":" + r.Rel
	if r.Rel == "." {
		spec = commit + ":"
	}
	if typ, err := git(ctx, r.Top, "cat-file", "-t", spec); err != nil || strings.TrimSpace(typ) != "tree" {
		return nil, fmt.Errorf("revision %s has no directory %s: is -dir right, or were the artifacts committed after it?", rev, r.Rel)
	}

	tmp, err := os.MkdirTemp("", "scanium-provisioner-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := r.archive(ctx, commit, rev, tmp); err != nil {
		return nil, err
	}
	b, err := artifact.Load(filepath.Join(tmp, filepath.FromSlash(r.Rel)))
	if err != nil {
		// Name the revision, not the temporary directory.
		msg := strings.ReplaceAll(err.Error(), filepath.Join(tmp, filepath.FromSlash(r.Rel)), rev+":"+r.Rel)
		return nil, fmt.Errorf("the artifacts at %s: %s", rev, msg)
	}
	b.Dir = rev + ":" + r.Rel
	return b, nil
}

// archive extracts the artifact directory of commit under dir, streaming
// git archive's output.
func (r *Repo) archive(ctx context.Context, commit, rev, dir string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := gitCommand(ctx, r.Top, "archive", "--format=tar", commit, "--", r.Rel)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	err = extract(out, dir, rev)
	if err != nil {
		cancel() // stop git, which may still be writing
	}
	_, _ = io.Copy(io.Discard, out)
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("read %s at %s: git archive: %s", r.Rel, rev, firstLine(strings.TrimSpace(stderr.String()+" "+werr.Error())))
	}
	return err
}

// extract writes the directories and regular files of a tar archive under
// dir. Anything else (a symbolic link, a device) is refused: the artifacts
// are regular files, and a link could point anywhere on this machine.
func extract(r io.Reader, dir, rev string) error {
	tr := tar.NewReader(r)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the archive of %s: %w", rev, err)
		}
		name := path.Clean(h.Name)
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("the archive of %s holds %q, outside its directory", rev, h.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			total += h.Size
			if total > maxArchiveBytes {
				return fmt.Errorf("the artifacts at %s exceed %d MiB", rev, maxArchiveBytes>>20)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			if err := writeFile(target, tr, h.Size); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s at %s is not a regular file (a symbolic link?): an artifact must be a regular file", name, rev)
		}
	}
}

func writeFile(target string, r io.Reader, size int64) error {
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, r, size); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// git runs git in dir and returns its output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := gitBytes(ctx, dir, args...)
	return string(out), err
}

func gitBytes(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := gitCommand(ctx, dir, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %s", args[0], firstLine(msg))
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return out, nil
}

// gitCommand is git in dir, with neither the user's pager nor a prompt
// for credentials, and paths taken literally (a directory named "*" is
// that directory, not a pattern).
func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_PAGER=cat", "GIT_TERMINAL_PROMPT=0", "GIT_LITERAL_PATHSPECS=1")
	return cmd
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
