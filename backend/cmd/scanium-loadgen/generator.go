package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
)

// maxAnswerBytes bounds what is read of an answer before it is dropped.
const maxAnswerBytes = 1 << 20

// Stats counts what the generator did.
type Stats struct {
	// Sent counts requests that got an answer or failed; Skipped counts ticks
	// that found every worker busy.
	Sent, Skipped int64
	// Answers by class: 2xx, 4xx, 5xx; Failed counts requests with no answer
	// (refused connection, timeout).
	OK, ClientErrors, ServerErrors, Failed int64
}

// LogValue prints the counts as a group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("sent", s.Sent), slog.Int64("ok", s.OK),
		slog.Int64("client_errors", s.ClientErrors), slog.Int64("server_errors", s.ServerErrors),
		slog.Int64("failed", s.Failed), slog.Int64("skipped", s.Skipped),
	)
}

type counters struct {
	sent, skipped, ok, clientErrors, serverErrors, failed atomic.Int64
}

// generator turns ticks into requests, at most concurrency at a time.
type generator struct {
	client   *http.Client
	endpoint string
	key      secret
	slots    chan struct{}
	logger   *slog.Logger

	mu  sync.Mutex // guards mix
	mix *mix

	counts counters
}

func newGenerator(cfg Config, client *http.Client, logger *slog.Logger) *generator {
	return &generator{
		client:   client,
		endpoint: cfg.TargetURL + httpapi.ChatPath,
		key:      cfg.APIKey,
		slots:    make(chan struct{}, cfg.Concurrency),
		logger:   logger,
		mix:      newMix(cfg.Seed),
	}
}

// Run sends one request per tick until ticks is closed or ctx ends, then
// waits for the requests in flight and returns the final counts. Requests in
// flight are not cancelled by ctx: each ends with its answer or its timeout.
func (g *generator) Run(ctx context.Context, ticks <-chan struct{}) Stats {
	var inFlight sync.WaitGroup
	for {
		select {
		case <-ctx.Done():
			inFlight.Wait()
			return g.Stats()
		case _, ok := <-ticks:
			if !ok {
				inFlight.Wait()
				return g.Stats()
			}
			select {
			case g.slots <- struct{}{}:
			default:
				g.counts.skipped.Add(1)
				g.logger.Debug("every worker busy, tick skipped")
				continue
			}
			body := g.draw()
			inFlight.Go(func() {
				defer func() { <-g.slots }()
				g.send(context.WithoutCancel(ctx), body)
			})
		}
	}
}

// Stats returns the counts so far.
func (g *generator) Stats() Stats {
	return Stats{
		Sent: g.counts.sent.Load(), Skipped: g.counts.skipped.Load(),
		OK: g.counts.ok.Load(), ClientErrors: g.counts.clientErrors.Load(),
		ServerErrors: g.counts.serverErrors.Load(), Failed: g.counts.failed.Load(),
	}
}

func (g *generator) draw() chatRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mix.draw()
}

func (g *generator) send(ctx context.Context, body chatRequest) {
	defer g.counts.sent.Add(1)
	status, err := g.post(ctx, body)
	switch {
	case err != nil:
		g.counts.failed.Add(1)
		g.logger.Warn("request failed", "err", err)
	case status/100 == 2:
		g.counts.ok.Add(1)
		g.logger.Debug("answered", "status", status, "items", len(body.Items))
	case status/100 == 4:
		g.counts.clientErrors.Add(1)
		g.logger.Warn("request refused", "status", status, "hint", hint(status))
	default:
		g.counts.serverErrors.Add(1)
		g.logger.Info("backend error", "status", status)
	}
}

// post sends one request and returns the answer's status.
func (g *generator) post(ctx context.Context, body chatRequest) (int, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return 0, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.key.reveal())
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("POST %s: %w", g.endpoint, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes)); err != nil {
		return 0, fmt.Errorf("POST %s: read answer: %w", g.endpoint, err)
	}
	return resp.StatusCode, nil
}

// hint says what to fix for the answers that come from the load generator's
// own setup rather than from the backend's health.
func hint(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "LOADGEN_API_KEY is not one of the backend's SCANIUM_API_KEYS"
	case http.StatusNotFound:
		return "LOADGEN_TARGET_URL is not the backend's base URL"
	default:
		return "the backend refused the request body"
	}
}
