// Command healthprobe is the container healthcheck of the bundle's services
// whose upstream images carry no shell, wget or curl: the Mimir and Tempo
// images are distroless, and only Loki's binary checks itself (loki -health).
// It GETs one URL and exits 0 on a 2xx answer, 1 otherwise, so compose runs it
// in exec form:
//
//	healthcheck:
//	  test: ["CMD", "/usr/local/bin/healthprobe", "http://127.0.0.1:9009/ready"]
//
// compose/healthprobe/Dockerfile adds it to an upstream image. It uses the
// standard library only, so that image builds in seconds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Exit codes.
const (
	exitHealthy   = 0
	exitUnhealthy = 1
	exitUsage     = 2
)

// maxBodyBytes bounds what is read of an answer; a short excerpt of an
// unhealthy one is printed.
const maxBodyBytes = 64 << 10

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("healthprobe", flag.ContinueOnError)
	flags.SetOutput(stderr)
	timeout := flags.Duration("timeout", 5*time.Second, "give up after this long")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: healthprobe [-timeout 5s] http://127.0.0.1:PORT/PATH")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return exitUsage
	}
	target, err := parseTarget(flags.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "-timeout must be positive")
		return exitUsage
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := probe(ctx, http.DefaultClient, target); err != nil {
		fmt.Fprintln(stderr, "unhealthy:", err)
		return exitUnhealthy
	}
	fmt.Fprintln(stdout, "healthy:", target)
	return exitHealthy
}

func parseTarget(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("target %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("target %q: want an absolute http:// or https:// URL", raw)
	}
	return u.String(), nil
}

// probe GETs target and returns an error unless the answer is 2xx.
func probe(ctx context.Context, client *http.Client, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: %s: %s", target, resp.Status, excerpt(body))
	}
	if readErr != nil && !errors.Is(readErr, io.EOF) {
		return fmt.Errorf("GET %s: read answer: %w", target, readErr)
	}
	return nil
}

// excerpt returns the first line of body, shortened to fit a log line.
func excerpt(body []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	const limit = 200
	if len(line) > limit {
		line = line[:limit] + "…"
	}
	return line
}
