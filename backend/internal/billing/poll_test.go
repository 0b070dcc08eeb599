package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const adminKey = "sk-admin-test-0f9e8d7c6b5a"

// testConfig is a poller's configuration for baseURL.
func testConfig(baseURL string) Config {
	return Config{
		AdminKey: config.Secret(adminKey), BaseURL: baseURL, PollTimeout: time.Minute,
		SettleDelay: DefaultSettleDelay, LookbackDays: DefaultLookbackDays, MaxModels: DefaultMaxModels,
	}
}

// sleeps records the waits between tries instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err() == nil
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

func TestPollerReadsTheSimulatorsLastSettledDay(t *testing.T) {
	day1 := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	clock := openaisim.NewManualClock(day1.Add(9 * time.Hour))
	sim, simURL := simtest.Start(t, openaisim.Config{Now: clock.Now, APIKeys: []string{"sk-chat-key-4412", adminKey}})
	oc := openai.DefaultConfig("sk-chat-key-4412")
	oc.BaseURL = simURL
	chat := openai.NewClientWithConfig(oc)
	ask := func(model string, n int) {
		t.Helper()
		for i := range n {
			_, err := chat.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
				Model:    model,
				Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: fmt.Sprintf("listing %d for a %s walnut sideboard", i, model)}},
			})
			if err != nil {
				t.Fatalf("%s: %v", model, err)
			}
		}
	}
	ask("gpt-4o-mini", 3)
	ask("gpt-4.1-nano", 1)
	clock.Advance(20 * time.Hour) // day 2, 05:00
	ask("gpt-4o-mini", 2)
	ask("gpt-4.1-nano", 4)
	clock.Advance(20 * time.Hour) // day 3, 01:00: today's traffic is not polled
	ask("gpt-4o-mini", 1)

	cfg := testConfig(simURL)
	poller := NewPoller(cfg, PollerOptions{Now: clock.Now})
	for _, tc := range []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"day 2 within the settle delay", day1.Add(2*day + cfg.SettleDelay - time.Second), day1},
		{"day 2 settled", day1.Add(2*day + cfg.SettleDelay), day1.Add(day)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			poller.now = func() time.Time { return tc.now }
			got, err := poller.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkDay(t, got, sim.Bill(tc.want))
		})
	}
}

// checkDay compares a polled day with the simulator's bill of it, exactly.
func checkDay(t *testing.T, got Day, want openaisim.DayBill) {
	t.Helper()
	if !got.Start.Equal(want.Start) || got.CostUSD != want.CostUSD || len(got.Models) != len(want.Models) || len(want.Models) == 0 {
		t.Fatalf("polled %s: %v USD, %d models; the simulator billed %s: %v USD, %d models",
			got.Start.Format(time.DateOnly), got.CostUSD, len(got.Models), want.Start.Format(time.DateOnly), want.CostUSD, len(want.Models))
	}
	for _, w := range want.Models {
		u := Usage{Requests: w.Requests, InputTokens: w.InputTokens, CachedInputTokens: w.CachedInputTokens, OutputTokens: w.OutputTokens}
		if got.Models[w.Model] != u {
			t.Errorf("%s: polled %+v, the simulator billed %+v", w.Model, got.Models[w.Model], u)
		}
	}
}

// script is an httptest server of the Costs and Usage APIs that answers
// each request with the next scripted handler of its endpoint, then with
// the last one again.
type script struct {
	t        *testing.T
	mu       sync.Mutex
	handlers map[string][]http.HandlerFunc
	requests map[string][]*http.Request
	url      string
}

func newScript(t *testing.T) *script {
	s := &script{t: t, handlers: map[string][]http.HandlerFunc{}, requests: map[string][]*http.Request{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/v1"
	return s
}

func (s *script) on(endpoint string, handlers ...http.HandlerFunc) *script {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers["/v1"+endpoint] = append(s.handlers["/v1"+endpoint], handlers...)
	return s
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.requests[r.URL.Path])
	s.requests[r.URL.Path] = append(s.requests[r.URL.Path], r)
	hs := s.handlers[r.URL.Path]
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+adminKey {
		http.Error(w, "wrong authorization", http.StatusTeapot)
		return
	}
	if len(hs) == 0 {
		http.NotFound(w, r)
		return
	}
	hs[min(n, len(hs)-1)](w, r)
}

func (s *script) count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests["/v1"+endpoint])
}

func (s *script) request(endpoint string, i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests["/v1"+endpoint][i]
}

// wireBucket is one bucket as a scripted answer writes it.
type wireBucket struct {
	Object    string `json:"object"`
	StartTime int64  `json:"start_time"`
	EndTime   int64  `json:"end_time"`
	Results   []any  `json:"results"`
}

func costBucket(start time.Time, amounts ...float64) wireBucket {
	b := wireBucket{Object: "bucket", StartTime: start.Unix(), EndTime: start.Add(day).Unix(), Results: []any{}}
	for _, a := range amounts {
		b.Results = append(b.Results, map[string]any{
			"object": "organization.costs.result", "amount": map[string]any{"value": a, "currency": "usd"},
			"line_item": nil, "project_id": nil,
		})
	}
	return b
}

func usageBucket(start time.Time, models map[string]Usage) wireBucket {
	b := wireBucket{Object: "bucket", StartTime: start.Unix(), EndTime: start.Add(day).Unix(), Results: []any{}}
	for model, u := range models {
		b.Results = append(b.Results, map[string]any{
			"object": "organization.usage.completions.result", "model": model,
			"input_tokens": u.InputTokens, "input_cached_tokens": u.CachedInputTokens,
			"output_tokens": u.OutputTokens, "num_model_requests": u.Requests,
			"input_audio_tokens": 0, "output_audio_tokens": 0, "project_id": nil, "user_id": nil, "api_key_id": nil, "batch": nil,
		})
	}
	return b
}

// pageOf answers one page of buckets; next is its next_page ("" for none).
func pageOf(hasMore bool, next string, buckets ...wireBucket) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		p := map[string]any{"object": "page", "data": buckets, "has_more": hasMore, "next_page": nil}
		if next != "" {
			p["next_page"] = next
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	}
}

func status(code int, message string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","param":null,"code":null}}`, message)
	}
}

// fixture is a settled day and the two days after it, as a scripted server
// answers them.
type fixture struct {
	now                    time.Time
	settled, recent, today time.Time
	models                 map[string]Usage
}

func newFixture() fixture {
	today := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	return fixture{
		now:     today.Add(3 * time.Hour), // yesterday is within the 6h settle delay
		settled: today.Add(-2 * day), recent: today.Add(-day), today: today,
		models: map[string]Usage{
			"gpt-4o-mini-2024-07-18": {Requests: 120, InputTokens: 90_000, CachedInputTokens: 4_096, OutputTokens: 30_000},
			"gpt-4.1-2025-04-14":     {Requests: 7, InputTokens: 5_000, CachedInputTokens: 0, OutputTokens: 1_200},
		},
	}
}

func (f fixture) poller(s *script, sl *sleeps) *Poller {
	return NewPoller(testConfig(s.url), PollerOptions{Now: func() time.Time { return f.now }, Sleep: sl.sleep, InitialBackoff: 10 * time.Millisecond})
}

// goodCosts and goodUsage answer the three days on one page, with other
// figures for the days not settled.
func (f fixture) goodCosts() http.HandlerFunc {
	return pageOf(false, "", costBucket(f.settled.Add(-day)), costBucket(f.settled, 1.25, 0.5), costBucket(f.recent, 9), costBucket(f.today, 99))
}

func (f fixture) goodUsage() http.HandlerFunc {
	other := map[string]Usage{"gpt-4o-mini-2024-07-18": {Requests: 1, InputTokens: 1, OutputTokens: 1}}
	return pageOf(false, "", usageBucket(f.settled.Add(-day), nil), usageBucket(f.settled, f.models), usageBucket(f.recent, other), usageBucket(f.today, other))
}

func (f fixture) check(t *testing.T, got Day, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if !got.Start.Equal(f.settled) || got.CostUSD != 1.75 || len(got.Models) != len(f.models) {
		t.Fatalf("polled %s, %v USD, %d models; want the settled day %s, 1.75 USD, %d models",
			got.Start.Format(time.DateOnly), got.CostUSD, len(got.Models), f.settled.Format(time.DateOnly), len(f.models))
	}
	for model, u := range f.models {
		if got.Models[model] != u {
			t.Errorf("%s: %+v, want %+v", model, got.Models[model], u)
		}
	}
}

// checkFailure checks a failed poll's error: it says want, and never holds
// the admin key.
func checkFailure(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("the poll succeeded; want it to fail")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), adminKey) {
		t.Errorf("error %q holds the admin key", err)
	}
}

func TestPollExportsTheLatestSettledDayOnly(t *testing.T) {
	f := newFixture()
	s := newScript(t).on(EndpointCosts, f.goodCosts()).on(EndpointUsageCompletions, f.goodUsage())
	got, err := f.poller(s, &sleeps{}).Poll(context.Background())
	f.check(t, got, err)

	// Past the settle delay, yesterday is exported; today never is.
	p := f.poller(s, &sleeps{})
	p.now = func() time.Time { return f.today.Add(DefaultSettleDelay) }
	got, err = p.Poll(context.Background())
	if err != nil || !got.Start.Equal(f.recent) || got.CostUSD != 9 {
		t.Errorf("at %s: polled %s (%v USD), %v; want yesterday's 9 USD", DefaultSettleDelay, got.Start.Format(time.DateOnly), got.CostUSD, err)
	}

	q := s.request(EndpointUsageCompletions, 0).URL.Query()
	wantStart := f.today.Add(-DefaultLookbackDays * day).Unix()
	if q.Get("start_time") != strconv.FormatInt(wantStart, 10) || q.Get("end_time") != strconv.FormatInt(f.today.Unix(), 10) ||
		q.Get("bucket_width") != "1d" || q.Get("group_by") != "model" || q.Get("limit") != strconv.Itoa(DefaultLookbackDays) {
		t.Errorf("usage query %v: want the %d days before today, daily, by model, on one page", q, DefaultLookbackDays)
	}
}

func TestPollFollowsPagesToTheEnd(t *testing.T) {
	f := newFixture()
	s := newScript(t).
		on(EndpointCosts,
			pageOf(true, "page_c2", costBucket(f.settled.Add(-day))),
			pageOf(true, "page_c3", costBucket(f.settled, 1.25)),
			pageOf(false, "", costBucket(f.settled, 0.5), costBucket(f.recent, 9))).
		on(EndpointUsageCompletions,
			pageOf(true, "page_u2", usageBucket(f.settled.Add(-day), nil)),
			pageOf(true, "page_u3", usageBucket(f.settled, f.models)),
			pageOf(false, "", usageBucket(f.recent, nil)))
	got, err := f.poller(s, &sleeps{}).Poll(context.Background())
	f.check(t, got, err)
	for _, tc := range []struct{ endpoint, prefix string }{{EndpointCosts, "page_c"}, {EndpointUsageCompletions, "page_u"}} {
		if n := s.count(tc.endpoint); n != 3 {
			t.Fatalf("%s: %d requests, want 3 pages", tc.endpoint, n)
		}
		for i := range 3 {
			want := ""
			if i > 0 {
				want = tc.prefix + strconv.Itoa(i+1)
			}
			if got := s.request(tc.endpoint, i).URL.Query().Get("page"); got != want {
				t.Errorf("%s request %d asks for page %q, want %q", tc.endpoint, i+1, got, want)
			}
		}
	}
}

func TestPollRetriesWhatOpenAIAsksToRetry(t *testing.T) {
	f := newFixture()
	t.Run("429 with retry-after", func(t *testing.T) {
		s := newScript(t).
			on(EndpointCosts, status(http.StatusTooManyRequests, "Rate limit reached", "Retry-After", "7"), f.goodCosts()).
			on(EndpointUsageCompletions, f.goodUsage())
		sl := &sleeps{}
		got, err := f.poller(s, sl).Poll(context.Background())
		f.check(t, got, err)
		if w := sl.got(); len(w) != 1 || w[0] != 7*time.Second {
			t.Errorf("waited %v, want the 429's Retry-After of 7s once", w)
		}
	})
	t.Run("500 then success", func(t *testing.T) {
		s := newScript(t).
			on(EndpointCosts, f.goodCosts()).
			on(EndpointUsageCompletions, status(http.StatusInternalServerError, "The server had an error"), status(http.StatusBadGateway, "bad gateway"), f.goodUsage())
		sl := &sleeps{}
		got, err := f.poller(s, sl).Poll(context.Background())
		f.check(t, got, err)
		if w := sl.got(); len(w) != 2 || w[0] != 10*time.Millisecond || w[1] != 20*time.Millisecond {
			t.Errorf("waited %v, want a doubling backoff from 10ms", w)
		}
	})
	t.Run("a cut connection then success", func(t *testing.T) {
		cut := func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}
		s := newScript(t).on(EndpointCosts, cut, f.goodCosts()).on(EndpointUsageCompletions, f.goodUsage())
		got, err := f.poller(s, &sleeps{}).Poll(context.Background())
		f.check(t, got, err)
	})
	t.Run("5xx through every try", func(t *testing.T) {
		s := newScript(t).on(EndpointCosts, status(http.StatusServiceUnavailable, "overloaded"))
		_, err := f.poller(s, &sleeps{}).Poll(context.Background())
		checkFailure(t, err, EndpointCosts, "503", "next poll")
		if n := s.count(EndpointCosts); n != maxAttempts {
			t.Errorf("%d tries, want %d", n, maxAttempts)
		}
	})
	t.Run("a retry-after beyond the bound", func(t *testing.T) {
		s := newScript(t).on(EndpointCosts, status(http.StatusTooManyRequests, "slow down", "Retry-After", "3600"))
		sl := &sleeps{}
		_, err := f.poller(s, sl).Poll(context.Background())
		checkFailure(t, err, "429", "1h0m0s")
		if len(sl.got()) != 0 || s.count(EndpointCosts) != 1 {
			t.Errorf("waited %v over %d tries; want no wait beyond %s", sl.got(), s.count(EndpointCosts), maxRetryAfter)
		}
	})
}

func TestPollFailsWholeOnAnAnswerItCannotTrust(t *testing.T) {
	f := newFixture()
	eur := func(w http.ResponseWriter, r *http.Request) {
		b := costBucket(f.settled)
		b.Results = []any{map[string]any{"object": "organization.costs.result", "amount": map[string]any{"value": 1.5, "currency": "eur"}}}
		pageOf(false, "", costBucket(f.settled.Add(-day)), b, costBucket(f.recent))(w, r)
	}
	truncated := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"object":"page","data":[{"object":"bucket","start_time":`))
	}
	tooManyModels := map[string]Usage{}
	for i := range DefaultMaxModels + 1 {
		tooManyModels[fmt.Sprintf("ft:gpt-4o-mini:org:%d", i)] = Usage{Requests: 1}
	}
	huge := func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"object":"page","data":[],"pad":"`))
		_, _ = w.Write([]byte(strings.Repeat("x", MaxResponseBytes)))
		_, _ = w.Write([]byte(`"}`))
	}
	for _, tc := range []struct {
		name         string
		costs, usage http.HandlerFunc
		want         []string
	}{
		{"401", status(http.StatusUnauthorized, "Incorrect API key provided: "+adminKey+"."), nil, []string{"401", EnvAdminKey, "admin key", "not a project key"}},
		{"403", nil, status(http.StatusForbidden, "You have insufficient permissions for this operation. Missing scopes: api.usage.read."), []string{"403", EnvAdminKey, "api.usage.read"}},
		{"404", status(http.StatusNotFound, "Invalid URL"), nil, []string{"404", "OPENAI_BASE_URL"}},
		{"a page cut short", pageOf(true, "", costBucket(f.settled.Add(-day)), costBucket(f.settled, 1)), nil, []string{"has_more", "next_page"}},
		{"a truncated body", nil, truncated, []string{EndpointUsageCompletions, "not the API's JSON"}},
		{"another currency", eur, nil, []string{`"eur"`, "USD only"}},
		{"too many models", nil, pageOf(false, "", usageBucket(f.settled.Add(-day), nil), usageBucket(f.settled, tooManyModels), usageBucket(f.recent, nil)), []string{"51 models", EnvMaxModels}},
		{"the settled day missing", pageOf(false, "", costBucket(f.recent)), nil, []string{"no bucket for " + f.settled.Format(time.DateOnly)}},
		{"an hourly bucket", pageOf(false, "", wireBucket{StartTime: f.settled.Unix(), EndTime: f.settled.Add(time.Hour).Unix()}), nil, []string{"not one UTC day"}},
		{"pages that never end", func(w http.ResponseWriter, r *http.Request) { pageOf(true, "page_again", costBucket(f.settled))(w, r) }, nil, []string{"pagination does not end"}},
		{"an answer too large", huge, nil, []string{"exceeded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.costs == nil {
				tc.costs = f.goodCosts()
			}
			if tc.usage == nil {
				tc.usage = f.goodUsage()
			}
			s := newScript(t).on(EndpointCosts, tc.costs).on(EndpointUsageCompletions, tc.usage)
			_, err := f.poller(s, &sleeps{}).Poll(context.Background())
			checkFailure(t, err, tc.want...)
		})
	}
}

func TestPollFollowsRedirectsWithinTheOriginOnly(t *testing.T) {
	f := newFixture()
	other := newScript(t).on(EndpointCosts, f.goodCosts()).on(EndpointUsageCompletions, f.goodUsage())
	s := newScript(t).
		on(EndpointCosts, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v1"+EndpointCosts+"/moved?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		}).
		on(EndpointCosts+"/moved", f.goodCosts()).
		on(EndpointUsageCompletions, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.url+EndpointUsageCompletions+"?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		})
	_, err := f.poller(s, &sleeps{}).Poll(context.Background())
	checkFailure(t, err, "refused a redirect", "origin")
	if s.count(EndpointCosts+"/moved") != 1 {
		t.Error("the redirect within the origin was not followed")
	}
	if other.count(EndpointUsageCompletions) != 0 {
		t.Error("the admin key went to another origin")
	}
}

func TestPollStopsAtItsBudget(t *testing.T) {
	f := newFixture()
	s := newScript(t).on(EndpointCosts, status(http.StatusInternalServerError, "error"))
	p := NewPoller(testConfig(s.url), PollerOptions{Now: func() time.Time { return f.now }, InitialBackoff: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := p.Poll(ctx)
	checkFailure(t, err, "500", EnvPollTimeout)
	if s.count(EndpointCosts) != 1 {
		t.Errorf("%d tries: a backoff beyond the poll's budget should end the poll at once", s.count(EndpointCosts))
	}
}
