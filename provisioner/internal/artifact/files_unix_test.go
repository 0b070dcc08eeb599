//go:build unix

package artifact

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFIFOIsRefusedAtOnce: a named pipe called x.json would block a read
// until someone writes to it; Load refuses it without reading.
func TestFIFOIsRefusedAtOnce(t *testing.T) {
	dir := copyFixtures(t)
	fifo := filepath.Join(dir, "dashboards", "x.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Unblock a reader, should one be stuck.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			_ = f.Close()
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := Load(dir)
		done <- err
	}()
	select {
	case err := <-done:
		assertProblems(t, err, []string{
			"dashboards/x.json: a named pipe, not a regular file: an artifact must be a regular file (or a symlink to one)",
		})
	case <-time.After(time.Minute):
		t.Fatal("Load is still reading the named pipe after a minute")
	}
}

func TestOtherFileKindsAreRefused(t *testing.T) {
	dir := copyFixtures(t)
	if err := os.Symlink(os.DevNull, filepath.Join(dir, "dashboards", "null.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "elsewhere"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "alerting", "dir.json")); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	assertProblems(t, err, []string{
		"dashboards/null.json: a device, not a regular file: an artifact must be a regular file (or a symlink to one)",
		"alerting/dir.json: a directory, not a regular file: an artifact must be a regular file (or a symlink to one)",
	})
}

func TestSymlinkToARegularFileIsRead(t *testing.T) {
	dir := copyFixtures(t)
	real := filepath.Join(dir, "elsewhere.json")
	if err := os.Rename(filepath.Join(dir, dashboardFile), real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, dashboardFile)); err != nil {
		t.Fatal(err)
	}
	b, err := Load(dir)
	if err != nil || len(b.Dashboards) != 1 {
		t.Fatalf("Load = %v, %v", b, err)
	}
}

func TestUnreadableFileIsAProblem(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	dir := copyFixtures(t)
	if err := os.Chmod(filepath.Join(dir, groupFile), 0); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "alerting/openai.json: cannot read it: ") || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Load error = %v", err)
	}
}
