//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary run the program instead of the tests:
// TestHelperProcess calls run with the arguments after "--".
const helperEnv = "SCANIUM_PROVISIONER_HELPER"

// TestHelperProcess is the program when the test binary runs as a helper;
// otherwise it does nothing.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(run(args, os.Environ(), os.Stdout, os.Stderr))
}

// wait bounds every wait of these tests: generous, so that a slow machine
// passes, and bounded, so that a hang fails.
const wait = time.Minute

// program is the provisioner running in a process of its own.
type program struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string // its stderr, line by line
	done  chan error  // its exit
	seen  []string
}

func start(t *testing.T, env []string, args ...string) *program {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append([]string{helperEnv + "=1"}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &program{t: t, cmd: cmd, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // this test's own child, if it is still there
		<-p.done
	})
	return p
}

func (p *program) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// expect waits for a line of stderr that contains want.
func (p *program) expect(want string) {
	p.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				p.t.Fatalf("stderr ended without %q:\n%s", want, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, line)
			if strings.Contains(line, want) {
				return
			}
		case <-timeout:
			p.t.Fatalf("no %q on stderr after %s:\n%s", want, wait, strings.Join(p.seen, "\n"))
		}
	}
}

// exit waits for the program to end and returns its exit code and the
// rest of its stderr.
func (p *program) exit() (int, []string) {
	p.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case line, ok := <-p.lines:
			if ok {
				p.seen = append(p.seen, line)
				continue
			}
			err := <-p.done
			p.done <- err
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				p.t.Fatal(err)
			}
			return p.cmd.ProcessState.ExitCode(), p.seen
		case <-timeout:
			p.t.Fatalf("still running %s after the signal:\n%s", wait, strings.Join(p.seen, "\n"))
		}
	}
}

// TestFirstSignalCancels: plan waits on a Grafana that does not answer;
// SIGTERM or SIGINT cancels the run, which ends with exit 1.
func TestFirstSignalCancels(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			asked := make(chan struct{}, 10)
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked <- struct{}{}
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)

			p := start(t, []string{"GRAFANA_URL=" + srv.URL, "GRAFANA_TOKEN=" + token},
				"plan", "-dir", "../../testdata/generated", "-wait", "10m")
			select {
			case <-asked: // it is waiting for Grafana's health
			case <-time.After(wait):
				t.Fatal("the program never asked Grafana")
			}
			p.signal(sig)
			code, stderr := p.exit()
			out := strings.Join(stderr, "\n")
			if code != 1 || !strings.Contains(out, "stopping: a second signal exits at once") || !strings.Contains(out, "context canceled") {
				t.Errorf("exit %d, stderr:\n%s", code, out)
			}
			if strings.Contains(out, "exiting at once") {
				t.Errorf("one signal forced the exit:\n%s", out)
			}
		})
	}
}

// TestSecondSignalExitsAtOnce: a run stuck where cancelling cannot reach
// (reading a CA file that is a named pipe with a writer that never
// writes) ends at the second signal, with exit 1 and one line saying so.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, []string{"GRAFANA_TOKEN=" + token, "GRAFANA_CA_FILE=" + fifo}, "plan", "-dir", "../../testdata/generated")

	// Opening the write end without blocking succeeds once the program
	// has the pipe open to read; it then blocks reading until we write.
	var writer *os.File
	deadline := time.Now().Add(wait)
	for writer == nil {
		f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		switch {
		case err == nil:
			writer = f
		case !errors.Is(err, syscall.ENXIO):
			t.Fatal(err)
		case time.Now().After(deadline):
			t.Fatalf("the program never opened %s", fifo)
		default:
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Cleanup(func() { _ = writer.Close() })

	p.signal(syscall.SIGTERM)
	p.expect("stopping: a second signal exits at once")
	p.signal(syscall.SIGINT)
	code, stderr := p.exit()
	out := strings.Join(stderr, "\n")
	if code != 1 || strings.Count(out, "exiting at once") != 1 {
		t.Errorf("exit %d, stderr:\n%s", code, out)
	}
	if _, err := io.WriteString(writer, "x"); err == nil {
		t.Errorf("the pipe still has a reader: the program did not exit")
	}
}
