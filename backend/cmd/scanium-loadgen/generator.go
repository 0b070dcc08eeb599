package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
	"github.com/scanium/openai-monitoring/internal/secret"
)

// maxAnswerBytes bounds what is read of an answer before it is dropped.
const maxAnswerBytes = 1 << 20

// Stats counts what the generator did.
type Stats struct {
	// Sent counts requests that got an answer or failed; Skipped counts ticks
	// that found every worker busy.
	Sent, Skipped int64
	// Answers by class: 2xx, 4xx, 5xx; Failed counts requests with no answer
	// (refused connection, timeout) and streams that ended with neither a
	// done nor an error event.
	OK, ClientErrors, ServerErrors, Failed int64
	// Streamed counts the requests that asked for a streamed answer. Of
	// those the backend streamed, StreamDone counts the ones that ended with
	// the done event (counted OK too), StreamErrors those that ended with an
	// error event (counted under no class above).
	Streamed, StreamDone, StreamErrors int64
	// FirstDeltas counts the streams that sent a delta; FirstDeltaTotal is
	// the sum of their times from the request to the first delta.
	FirstDeltas     int64
	FirstDeltaTotal time.Duration
}

// LogValue prints the counts as a group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("sent", s.Sent), slog.Int64("ok", s.OK),
		slog.Int64("client_errors", s.ClientErrors), slog.Int64("server_errors", s.ServerErrors),
		slog.Int64("failed", s.Failed), slog.Int64("skipped", s.Skipped),
		slog.Int64("streamed", s.Streamed), slog.Int64("stream_done", s.StreamDone),
		slog.Int64("stream_errors", s.StreamErrors),
		slog.Float64("first_delta_mean_ms", s.FirstDeltaMean().Seconds()*1000),
	)
}

// FirstDeltaMean is the mean time from a streamed request to its first
// delta; zero before any.
func (s Stats) FirstDeltaMean() time.Duration {
	if s.FirstDeltas == 0 {
		return 0
	}
	return s.FirstDeltaTotal / time.Duration(s.FirstDeltas)
}

type counters struct {
	sent, skipped, ok, clientErrors, serverErrors, failed atomic.Int64
	streamed, streamDone, streamErrors, firstDeltas       atomic.Int64
	firstDeltaNanos                                       atomic.Int64
}

// generator turns ticks into requests, at most concurrency at a time.
type generator struct {
	client   *http.Client
	endpoint string
	key      secret.Secret
	slots    chan struct{}
	logger   *slog.Logger

	mu  sync.Mutex // guards mix and drawn
	mix *mix
	// streamPercent of the requests drawn are streamed, spread evenly.
	streamPercent int
	drawn         int

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

		streamPercent: cfg.StreamPercent,
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
		Streamed: g.counts.streamed.Load(), StreamDone: g.counts.streamDone.Load(),
		StreamErrors: g.counts.streamErrors.Load(), FirstDeltas: g.counts.firstDeltas.Load(),
		FirstDeltaTotal: time.Duration(g.counts.firstDeltaNanos.Load()),
	}
}

// draw returns the next request: of every 100 drawn, streamPercent are
// streamed, evenly spread.
func (g *generator) draw() chatRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	req := g.mix.draw()
	k := g.drawn
	g.drawn++
	req.Stream = (k+1)*g.streamPercent/100 > k*g.streamPercent/100
	return req
}

func (g *generator) send(ctx context.Context, body chatRequest) {
	defer g.counts.sent.Add(1)
	if body.Stream {
		g.counts.streamed.Add(1)
	}
	status, stream, err := g.post(ctx, body)
	switch {
	case err != nil:
		g.counts.failed.Add(1)
		g.logger.Warn("request failed", "err", err, "stream", body.Stream)
	case stream != nil:
		g.countStream(*stream)
	case status/100 == 2:
		g.counts.ok.Add(1)
		g.logger.Debug("answered", "status", status, "items", len(body.Items), "stream", body.Stream)
	case status/100 == 4:
		g.counts.clientErrors.Add(1)
		g.logger.Warn("request refused", "status", status, "hint", hint(status))
	default:
		g.counts.serverErrors.Add(1)
		g.logger.Info("backend error", "status", status)
	}
}

// countStream counts a streamed answer by how it ended.
func (g *generator) countStream(res streamResult) {
	if res.deltas > 0 {
		g.counts.firstDeltas.Add(1)
		g.counts.firstDeltaNanos.Add(int64(res.firstDelta))
	}
	switch res.end {
	case streamDone:
		g.counts.ok.Add(1)
		g.counts.streamDone.Add(1)
		g.logger.Debug("stream done", "deltas", res.deltas, "first_delta_ms", res.firstDelta.Milliseconds())
	case streamError:
		g.counts.streamErrors.Add(1)
		g.logger.Info("stream ended with an error event", "code", res.errorCode, "deltas", res.deltas)
	default:
		g.counts.failed.Add(1)
		g.logger.Warn("stream ended without a done or error event", "deltas", res.deltas)
	}
}

// post sends one request and returns the answer's status and, for an
// answer streamed as server-sent events, what its events said.
func (g *generator) post(ctx context.Context, body chatRequest) (int, *streamResult, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return 0, nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.key.Reveal())
	if body.Stream {
		req.Header.Set("Accept", httpapi.StreamContentType)
	}
	sent := time.Now()
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("POST %s: %w", g.endpoint, err)
	}
	defer resp.Body.Close()
	if mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); body.Stream && resp.StatusCode == http.StatusOK && mediaType == httpapi.StreamContentType {
		res, err := readStream(resp.Body, sent, time.Now)
		if err != nil {
			return 0, nil, fmt.Errorf("POST %s: %w", g.endpoint, err)
		}
		return resp.StatusCode, &res, nil
	}
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes)); err != nil {
		return 0, nil, fmt.Errorf("POST %s: read answer: %w", g.endpoint, err)
	}
	return resp.StatusCode, nil, nil
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
