package app

import (
	"fmt"

	"github.com/scanium/openai-monitoring/backend/config"
)

// checkFileLimit refuses a configuration whose connections and OpenAI calls
// could need more open files than the process may have: past that limit,
// accept fails and even /healthz goes unanswered. Go raises the soft limit
// to the hard one at startup, so the limit read is the one that applies.
func checkFileLimit(cfg config.Config) error {
	limit, ok := openFileLimit()
	if !ok {
		return nil
	}
	return fitsFileLimit(cfg, limit)
}

func fitsFileLimit(cfg config.Config, limit uint64) error {
	need := cfg.FileDescriptors()
	if need <= limit {
		return nil
	}
	calls := need - uint64(cfg.Server.MaxConnections) - config.FileDescriptorReserve
	return fmt.Errorf("%s=%d may need up to %d open files (%d connections, %d for the OpenAI calls of %s=%d, %d in reserve), but the process may open %d (RLIMIT_NOFILE): lower %s, or raise the limit (docker compose: ulimits: nofile)",
		config.EnvMaxConnections, cfg.Server.MaxConnections, need, cfg.Server.MaxConnections, calls,
		config.EnvMaxInFlightRequests, cfg.Server.MaxInFlightRequests, config.FileDescriptorReserve, limit, config.EnvMaxConnections)
}
