// Command openai-sim serves the OpenAI simulator (package openaisim) on its
// own, for demos and load tests: an OpenAI-compatible API, streamed or not,
// with a realistic time to first token and pace, rate limits and faults, no
// key needed.
//
// Every flag can also be set in the environment as SIM_ followed by the
// flag's name in upper case, dashes as underscores (SIM_ADDR, SIM_FAULTS,
// SIM_LATENCY_MEDIAN, SIM_PACE, ...); a flag wins over its variable. The accepted API
// keys are read from SIM_API_KEYS (comma-separated) only, never from a flag,
// so they stay out of process listings; unset, any non-empty key is
// accepted.
//
//	SIM_FAULTS=500:0.02,429:0.01,hang:0.001,cut:0.01,error-chunk:0.005 \
//	SIM_PACE=80,gpt-4o:60 go run ./backend/cmd/openai-sim -addr :8090
//
// It logs one JSON line per request to standard error and shuts down
// gracefully on SIGINT or SIGTERM.
package main

import "os"

func main() {
	os.Exit(run())
}
