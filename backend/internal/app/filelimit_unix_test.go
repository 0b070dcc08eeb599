//go:build unix

package app

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRefusesToStartWhenMaxConnectionsExceedsTheFileLimit(t *testing.T) {
	// MAX_CONNECTIONS as high as the process's RLIMIT_NOFILE leaves no
	// descriptor for anything else: the backend says so and does not start.
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	if limit.Cur > 1_000_000 {
		t.Skipf("RLIMIT_NOFILE is %d, above the largest MAX_CONNECTIONS", limit.Cur)
	}
	r := &running{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, signals: make(chan os.Signal, 1), exit: make(chan int, 1)}
	go func() {
		r.exit <- Run(Env{
			Args: []string{"scanium-backend"}, Stdout: r.stdout, Stderr: r.stderr, Signals: r.signals,
			Lookup: envOf(map[string]string{
				"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false", "PORT": freePort(t),
				"MAX_CONNECTIONS": strconv.FormatUint(limit.Cur, 10), "MAX_IN_FLIGHT_REQUESTS": "1",
			}),
			HostName: func() (string, error) { return "test-host", nil },
		})
	}()
	var code int
	select {
	case code = <-r.exit:
	case <-time.After(10 * time.Second):
		r.signals <- syscall.SIGTERM
		t.Fatal("the backend started")
	}
	msg := r.stderr.String()
	if code != 1 || !strings.Contains(msg, "MAX_CONNECTIONS") || !strings.Contains(msg, "RLIMIT_NOFILE") {
		t.Errorf("exit %d, stderr %q: want 1 and a message naming MAX_CONNECTIONS and RLIMIT_NOFILE", code, msg)
	}
}
