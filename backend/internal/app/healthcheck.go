package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

// healthcheck GETs the backend's /healthz (or the URL given) and exits 0 when
// it answers 200: a container health check for images without a shell.
func healthcheck(env Env) int {
	url := ""
	if len(env.Args) > 2 {
		url = env.Args[2]
	} else {
		port := config.DefaultPort
		if v, ok := env.Lookup(config.EnvPort); ok && strings.TrimSpace(v) != "" {
			if port, ok = config.ParsePort(v); !ok {
				fmt.Fprintf(env.Stderr, "healthcheck: PORT %q is not a TCP port\n", v)
				return 2
			}
		}
		url = "http://127.0.0.1:" + port + "/healthz"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(env.Stderr, "healthcheck: %q is not a URL: %v\n", url, err)
		return 2
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		fmt.Fprintf(env.Stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(env.Stderr, "healthcheck: %s answered %s\n", url, resp.Status)
		return 1
	}
	return 0
}
