package openaisim

import (
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Paths the simulator serves.
const (
	pathChatCompletions = "/v1/chat/completions"
	pathModels          = "/v1/models"
	pathHealth          = "/healthz"
)

// Server is the simulated OpenAI API, an http.Handler. It is safe for
// concurrent use, and its faults, fault rates, rate limits and latency can
// be changed while it serves.
type Server struct {
	keys    [][]byte
	models  []string
	hangMax time.Duration
	now     func() time.Time
	sleeper func(context.Context, time.Duration) bool
	log     *slog.Logger

	ids     *idSource
	latency *latencyModel
	limiter *limiter
	faults  *faultInjector
	prompts *promptCache
	stats   counters
	billing ledger
}

// New returns a Server configured by cfg, or the reasons cfg is invalid.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		models:  cfg.Models,
		hangMax: cfg.HangMax,
		now:     cfg.Now,
		sleeper: cfg.Sleep,
		log:     cfg.Logger,
		ids:     newIDSource(cfg.Seed),
		latency: newLatencyModel(cfg.Seed, cfg.Latency),
		faults:  newFaultInjector(cfg.Seed, cfg.FaultRates),
		prompts: newPromptCache(cmp.Or(cfg.PromptCacheSize, DefaultPromptCacheSize)),
	}
	for _, key := range cfg.APIKeys {
		s.keys = append(s.keys, []byte(key))
	}
	if len(s.models) == 0 {
		s.models = DefaultModels()
	} else {
		s.models = append([]string(nil), s.models...)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleeper == nil {
		s.sleeper = sleep
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.limiter = newLimiter(s.now, cfg.RateLimits)
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := s.begin(w, r)
	defer func() {
		s.finish(r.Context(), ex)
		if ex.cut {
			// Ends the response without its last chunk and closes the
			// connection, as a proxy or a crashed upstream does.
			panic(http.ErrAbortHandler)
		}
	}()

	switch r.URL.Path {
	case pathChatCompletions:
		ex.chat = true
		s.stats.received.Add(1)
		if allowMethod(ex, r, http.MethodPost) {
			s.serveChat(ex, r)
		}
	case pathModels:
		if allowMethod(ex, r, http.MethodGet) {
			s.serveModels(ex, r)
		}
	case pathCosts:
		if allowMethod(ex, r, http.MethodGet) {
			s.serveCosts(ex, r)
		}
	case pathUsageCompletions:
		if allowMethod(ex, r, http.MethodGet) {
			s.serveUsageCompletions(ex, r)
		}
	case pathHealth:
		ex.writeJSON(http.StatusOK, map[string]string{"status": "ok"})
	default:
		ex.fail(errNotFound(r.Method, r.URL.Path))
	}
}

// allowMethod reports whether r uses method, and answers the 405 itself
// when it does not.
func allowMethod(ex *exchange, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	ex.w.Header().Set("Allow", method)
	ex.fail(errMethodNotAllowed(r.Method, r.URL.Path))
	return false
}

// authenticate checks the bearer key as OpenAI does, and answers the 401
// itself when the key is missing or not accepted.
func (s *Server) authenticate(ex *exchange, r *http.Request) bool {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	key = strings.TrimSpace(key)
	if !strings.EqualFold(scheme, "Bearer") || key == "" {
		ex.fail(errMissingKey())
		return false
	}
	if !s.accepts([]byte(key)) {
		ex.fail(errInvalidKey())
		return false
	}
	return true
}

// accepts compares key with every accepted key in constant time.
func (s *Server) accepts(key []byte) bool {
	if len(s.keys) == 0 {
		return true
	}
	ok := 0
	for _, k := range s.keys {
		ok |= subtle.ConstantTimeCompare(key, k)
	}
	return ok == 1
}

// Script queues faults for the next chat completions to take, one each, in
// order, before any random fault is drawn; FaultNone in the queue gives one
// normal answer. It adds nothing if a fault is unknown.
func (s *Server) Script(faults ...Fault) error {
	for i, f := range faults {
		if !f.valid() {
			return fmt.Errorf("script fault %d is %s: use one of the Fault constants", i, f)
		}
	}
	s.faults.enqueue(faults)
	return nil
}

// PendingFaults returns how many scripted faults no request has taken yet.
func (s *Server) PendingFaults() int {
	return s.faults.pending()
}

// ClearScript drops the scripted faults no request has taken, and returns
// how many there were.
func (s *Server) ClearScript() int {
	return s.faults.clear()
}

// SetFaultRates replaces the probabilities of random faults; nil or empty
// stops them.
func (s *Server) SetFaultRates(rates FaultRates) error {
	if err := rates.Validate(); err != nil {
		return fmt.Errorf("invalid fault rates: %w", err)
	}
	s.faults.setRates(rates)
	return nil
}

// SetRateLimits replaces the rate limits. Budget already used in the open
// windows stays used; zero fields take the defaults, as in Config.
func (s *Server) SetRateLimits(limits RateLimits) error {
	if err := limits.Validate(); err != nil {
		return fmt.Errorf("invalid rate limits: %w", err)
	}
	s.limiter.set(limits)
	return nil
}

// SetLatency replaces the time to first token and the pace of later
// requests.
func (s *Server) SetLatency(l Latency) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("invalid latency: %w", err)
	}
	s.latency.set(l)
	return nil
}

// Stats returns the counts of chat completion requests so far.
func (s *Server) Stats() Stats {
	return s.stats.snapshot()
}
