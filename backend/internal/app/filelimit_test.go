package app

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
)

func TestFitsFileLimit(t *testing.T) {
	cfg, err := config.Load(envOf(map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "MAX_CONNECTIONS": "1000", "MAX_IN_FLIGHT_REQUESTS": "100",
	}), "h")
	if err != nil {
		t.Fatal(err)
	}
	need := 1000 + 100 + uint64(config.FileDescriptorReserve)
	if err := fitsFileLimit(cfg, need); err != nil {
		t.Errorf("limit %d: %v", need, err)
	}
	err = fitsFileLimit(cfg, need-1)
	want := "MAX_CONNECTIONS=1000 may need up to 1228 open files (1000 connections, 100 for the OpenAI calls of MAX_IN_FLIGHT_REQUESTS=100, 128 in reserve), but the process may open 1227 (RLIMIT_NOFILE): lower MAX_CONNECTIONS"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("limit %d: %v\nwant %q", need-1, err, want)
	}
}

func TestDefaultsFitACommonFileLimit(t *testing.T) {
	// A soft limit of 4096 is low for a container (Docker gives far more,
	// and Go raises the soft limit to the hard one); the defaults fit it,
	// with the built-in simulator too.
	cfg, err := config.Load(envOf(map[string]string{"SCANIUM_API_KEYS": clientKey}), "h")
	if err != nil {
		t.Fatal(err)
	}
	if err := fitsFileLimit(cfg, 4096); err != nil {
		t.Error(err)
	}
}
