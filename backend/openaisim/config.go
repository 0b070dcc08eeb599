package openaisim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults that a zero field of Config stands for.
const (
	// DefaultRequestLimit is the requests a zero RateLimits allows per window:
	// generous, so tests never meet it unless they set their own.
	DefaultRequestLimit = 10_000
	// DefaultTokenLimit is the tokens a zero RateLimits allows per window.
	DefaultTokenLimit = 10_000_000
	// DefaultWindow is the length of a rate-limit window left at zero.
	DefaultWindow = time.Minute
	// DefaultPromptCacheSize is the prompt prefixes a zero
	// Config.PromptCacheSize remembers: a prompt has one per 128 tokens
	// beyond 1024, so this holds thousands of prompts, or a few of the
	// longest any model takes, in a few MiB.
	DefaultPromptCacheSize = 16_384
)

// DefaultModels returns the models GET /v1/models lists when Config.Models is
// empty. Chat completions accept any model name.
func DefaultModels() []string {
	return []string{"gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1-nano"}
}

// Config configures a Server. Its zero value is ready for tests: no latency,
// no faults, rate limits too high to meet by accident, any non-empty key
// accepted, seed 0, the wall clock, no logs.
type Config struct {
	// APIKeys are the bearer keys accepted. Empty accepts any non-empty key.
	APIKeys []string

	// Models are listed by GET /v1/models. Empty lists DefaultModels.
	Models []string

	// Latency is the simulated time to first token and pace of generation.
	// Zero means none: every answer is immediate.
	Latency Latency

	// HangMax bounds how long a FaultHang holds a request before answering
	// with an HTML 504 from the proxy. Zero means the request hangs until the
	// client goes away or the server stops.
	HangMax time.Duration

	// RateLimits are the request and token budgets per window. Zero fields
	// take DefaultRequestLimit, DefaultTokenLimit and DefaultWindow.
	RateLimits RateLimits

	// FaultRates gives each fault the probability that a request gets it.
	// Empty means no random faults; scripted faults (Server.Script) apply
	// either way.
	FaultRates FaultRates

	// PromptCacheSize bounds the prompt prefixes remembered for prompt
	// caching (one per 128 tokens beyond the first 1024 of a prompt); the
	// least recently used goes first. Zero means DefaultPromptCacheSize.
	PromptCacheSize int

	// Seed seeds the generators of faults, latencies and identifiers: the
	// same seed and the same sequence of requests give the same results.
	Seed uint64

	// Now is the clock of rate-limit windows, of the prompt cache's expiry
	// and of response timestamps. Nil means time.Now.
	Now func() time.Time

	// Sleep waits for d or until ctx is done, and reports whether d passed:
	// every simulated wait (time to first token, pace between chunks, hangs
	// up to HangMax) goes through it. Nil means real timers. A test sets
	// Now and Sleep from one ManualClock to drive the schedule without
	// waiting.
	Sleep func(ctx context.Context, d time.Duration) bool

	// Logger receives one line per request: request id, method, path,
	// status, duration in milliseconds and, for chat completions, outcome,
	// model, fault and tokens; never a key nor message text. Nil means no
	// logs.
	Logger *slog.Logger
}

// DefaultConfig returns a configuration for demos and load: a time to first
// token of 400ms at the median and 3s at the 99th percentile, the paces of
// DefaultPace (85 tokens per second for gpt-4o-mini, whose usual answer then
// takes about 1.1s in all), the rate limits of a usage tier 1 account (500
// requests and 200,000 tokens per minute), no faults, and hangs released
// after two minutes.
func DefaultConfig() Config {
	return Config{
		Latency: Latency{Median: 400 * time.Millisecond, P99: 3 * time.Second, Pace: DefaultPace()},
		HangMax: 2 * time.Minute,
		RateLimits: RateLimits{
			Requests:      500,
			RequestWindow: time.Minute,
			Tokens:        200_000,
			TokenWindow:   time.Minute,
		},
		Seed: 1,
	}
}

// Latency is how long a completion takes: a log-normal time to first token,
// given by its median and its 99th percentile, then the model's Pace for
// every token generated, reasoning tokens first. A streamed answer sends its
// first content token after the first-token delay and its reasoning; an
// answer not streamed arrives when its last token is generated.
type Latency struct {
	// Median is the typical time to first token, reasoning excluded. Zero
	// means no delay at all.
	Median time.Duration
	// P99 is the 99th percentile of the time to first token; at least
	// Median. Zero means no tail: every request waits Median.
	P99 time.Duration
	// Pace is the tokens per second models generate. Zero means instant.
	Pace Pace
}

// Validate reports what is wrong with l, if anything.
func (l Latency) Validate() error {
	switch {
	case l.Median < 0:
		return fmt.Errorf("latency median %s is negative: use zero for no latency", l.Median)
	case l.P99 < 0:
		return fmt.Errorf("latency p99 %s is negative: use zero for no tail", l.P99)
	case l.P99 != 0 && l.P99 < l.Median:
		return fmt.Errorf("latency p99 %s is below the median %s: set p99 to at least the median", l.P99, l.Median)
	}
	return l.Pace.Validate()
}

// RateLimits are budgets of requests and tokens, each renewed on its own
// fixed window. A window opens with the first request charged to it and
// closes its length later, when the whole budget is back.
type RateLimits struct {
	// Requests allowed per RequestWindow. Zero means DefaultRequestLimit.
	Requests int64
	// RequestWindow is the length of a request window. Zero means
	// DefaultWindow.
	RequestWindow time.Duration
	// Tokens (prompt plus completion) allowed per TokenWindow. Zero means
	// DefaultTokenLimit.
	Tokens int64
	// TokenWindow is the length of a token window. Zero means DefaultWindow.
	TokenWindow time.Duration
}

// Validate reports what is wrong with r, if anything.
func (r RateLimits) Validate() error {
	var errs []error
	if r.Requests < 0 {
		errs = append(errs, fmt.Errorf("request limit %d is negative: use zero for the default of %d", r.Requests, DefaultRequestLimit))
	}
	if r.Tokens < 0 {
		errs = append(errs, fmt.Errorf("token limit %d is negative: use zero for the default of %d", r.Tokens, DefaultTokenLimit))
	}
	if r.RequestWindow < 0 {
		errs = append(errs, fmt.Errorf("request window %s is negative: use zero for the default of %s", r.RequestWindow, DefaultWindow))
	}
	if r.TokenWindow < 0 {
		errs = append(errs, fmt.Errorf("token window %s is negative: use zero for the default of %s", r.TokenWindow, DefaultWindow))
	}
	return errors.Join(errs...)
}

// withDefaults returns r with its zero fields replaced by the defaults.
func (r RateLimits) withDefaults() RateLimits {
	if r.Requests == 0 {
		r.Requests = DefaultRequestLimit
	}
	if r.Tokens == 0 {
		r.Tokens = DefaultTokenLimit
	}
	if r.RequestWindow == 0 {
		r.RequestWindow = DefaultWindow
	}
	if r.TokenWindow == 0 {
		r.TokenWindow = DefaultWindow
	}
	return r
}

// Validate reports everything wrong with c, one line per problem.
func (c Config) Validate() error {
	var errs []error
	for i, key := range c.APIKeys {
		if key == "" {
			errs = append(errs, fmt.Errorf("API key %d is empty: remove it, or leave the list empty to accept any key", i))
		}
	}
	for i, model := range c.Models {
		if model == "" {
			errs = append(errs, fmt.Errorf("model %d is empty: remove it", i))
		}
	}
	if err := c.Latency.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.HangMax < 0 {
		errs = append(errs, fmt.Errorf("hang max %s is negative: use zero to hang until the client goes away", c.HangMax))
	}
	if err := c.RateLimits.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.FaultRates.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.PromptCacheSize < 0 {
		errs = append(errs, fmt.Errorf("prompt cache size %d is negative: use zero for the default of %d", c.PromptCacheSize, DefaultPromptCacheSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid simulator configuration: %w", err)
	}
	return nil
}
