package billing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// day is the width of the buckets the exporter asks for.
const day = 24 * time.Hour

// API paths under the base URL.
const (
	EndpointCosts            = "/organization/costs"
	EndpointUsageCompletions = "/organization/usage/completions"
)

// maxPages bounds the pages of one endpoint in one poll: the range holds at
// most maximumLookbackDays buckets, so a server that pages beyond is wrong.
const maxPages = maximumLookbackDays + 1

// currencyUSD is the only currency the exporter reports.
const currencyUSD = "usd"

// Day is what OpenAI billed for one complete UTC day.
type Day struct {
	// Start is 00:00 UTC of the day.
	Start time.Time
	// CostUSD is the Costs API's amount of the day.
	CostUSD float64
	// Models is the Usage API's completions usage of the day, by model.
	Models map[string]Usage
}

// Usage is one model's completions usage of a day, as the Usage API counts
// it: InputTokens includes CachedInputTokens.
type Usage struct {
	Requests          int64
	InputTokens       int64
	CachedInputTokens int64
	OutputTokens      int64
}

// Poller reads OpenAI's Costs and Usage APIs for the most recent settled day.
type Poller struct {
	client       *client
	now          func() time.Time
	settleDelay  time.Duration
	lookbackDays int
	maxModels    int
}

// PollerOptions are the parts of a Poller that tests replace.
type PollerOptions struct {
	// Now is the clock days settle by; nil means time.Now.
	Now func() time.Time
	// Transport sends the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Sleep waits between tries and reports whether the wait passed; nil
	// waits for real, or until the poll ends.
	Sleep func(ctx context.Context, d time.Duration) bool
	// InitialBackoff is the first wait after a 5xx or a connection error;
	// zero means one second.
	InitialBackoff time.Duration
}

// NewPoller returns a Poller of cfg's API with cfg's admin key.
func NewPoller(cfg Config, opts PollerOptions) *Poller {
	p := &Poller{
		client: &client{
			http:           newHTTPClient(cfg.BaseURL, opts.Transport),
			baseURL:        cfg.BaseURL,
			key:            cfg.AdminKey.Reveal(),
			sleep:          opts.Sleep,
			initialBackoff: opts.InitialBackoff,
		},
		now:          opts.Now,
		settleDelay:  cfg.SettleDelay,
		lookbackDays: cfg.LookbackDays,
		maxModels:    cfg.MaxModels,
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.client.sleep == nil {
		p.client.sleep = sleepContext
	}
	if p.client.initialBackoff <= 0 {
		p.client.initialBackoff = initialBackoff
	}
	return p
}

// Poll reads the costs and the usage of the polled range, the lookback days
// that end at 00:00 UTC today, and returns the most recent day whose end is
// at least the settle delay in the past. Any failure (an error answer, a
// page cut short, an unexpected currency, too many models, a day missing)
// fails the whole poll.
func (p *Poller) Poll(ctx context.Context) (Day, error) {
	now := p.now().UTC()
	today := now.Truncate(day)
	start := today.Add(-time.Duration(p.lookbackDays) * day)
	target := today.Add(-day)
	for target.Add(day + p.settleDelay).After(now) {
		target = target.Add(-day)
	}
	if target.Before(start) {
		return Day{}, fmt.Errorf("no day of the %d polled is settled by %s %s: raise %s", p.lookbackDays, EnvSettleDelay, p.settleDelay, EnvLookbackDays)
	}
	costs, err := p.costs(ctx, start, today)
	if err != nil {
		return Day{}, err
	}
	usage, err := p.usage(ctx, start, today)
	if err != nil {
		return Day{}, err
	}
	cost, ok := costs[target.Unix()]
	if !ok {
		return Day{}, fmt.Errorf("GET %s returned no bucket for %s: check that OPENAI_BASE_URL is OpenAI's API", EndpointCosts, target.Format(time.DateOnly))
	}
	models, ok := usage[target.Unix()]
	if !ok {
		return Day{}, fmt.Errorf("GET %s returned no bucket for %s: check that OPENAI_BASE_URL is OpenAI's API", EndpointUsageCompletions, target.Format(time.DateOnly))
	}
	if len(models) > p.maxModels {
		return Day{}, fmt.Errorf("GET %s counts %d models on %s, more than %s (%d) allows as model label values: raise it if that many are expected",
			EndpointUsageCompletions, len(models), target.Format(time.DateOnly), EnvMaxModels, p.maxModels)
	}
	return Day{Start: target, CostUSD: cost, Models: models}, nil
}

// Wire shapes of the Costs and Usage APIs: a page of daily buckets.
type page[R any] struct {
	Data []struct {
		StartTime int64 `json:"start_time"`
		EndTime   int64 `json:"end_time"`
		Results   []R   `json:"results"`
	} `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

type costResult struct {
	Amount struct {
		Value    float64 `json:"value"`
		Currency string  `json:"currency"`
	} `json:"amount"`
}

type usageResult struct {
	Model             *string `json:"model"`
	InputTokens       int64   `json:"input_tokens"`
	OutputTokens      int64   `json:"output_tokens"`
	InputCachedTokens int64   `json:"input_cached_tokens"`
	NumModelRequests  int64   `json:"num_model_requests"`
}

// costs returns the amount of each daily bucket of [start, end), by the
// bucket's start.
func (p *Poller) costs(ctx context.Context, start, end time.Time) (map[int64]float64, error) {
	out := map[int64]float64{}
	err := pages(ctx, p.client, EndpointCosts, rangeQuery(start, end, p.lookbackDays), func(pg page[costResult]) error {
		for _, b := range pg.Data {
			if err := checkBucket(EndpointCosts, b.StartTime, b.EndTime); err != nil {
				return err
			}
			total := out[b.StartTime]
			for _, r := range b.Results {
				if !strings.EqualFold(r.Amount.Currency, currencyUSD) {
					return fmt.Errorf("GET %s reports an amount in %q: the exporter reports USD only; check the organization's billing currency", EndpointCosts, envconfig.Truncate(r.Amount.Currency))
				}
				total += r.Amount.Value
			}
			out[b.StartTime] = total
		}
		return nil
	})
	return out, err
}

// usage returns the completions usage of each daily bucket of [start, end),
// by the bucket's start and by model.
func (p *Poller) usage(ctx context.Context, start, end time.Time) (map[int64]map[string]Usage, error) {
	out := map[int64]map[string]Usage{}
	q := rangeQuery(start, end, p.lookbackDays)
	q.Set("group_by", "model")
	err := pages(ctx, p.client, EndpointUsageCompletions, q, func(pg page[usageResult]) error {
		for _, b := range pg.Data {
			if err := checkBucket(EndpointUsageCompletions, b.StartTime, b.EndTime); err != nil {
				return err
			}
			models := out[b.StartTime]
			if models == nil {
				models = map[string]Usage{}
				out[b.StartTime] = models
			}
			for _, r := range b.Results {
				if r.Model == nil || *r.Model == "" || len(*r.Model) > maximumModelLength {
					return fmt.Errorf("GET %s returned a result without a model name (or one over %d bytes): the exporter asks for group_by=model; check that OPENAI_BASE_URL is OpenAI's API", EndpointUsageCompletions, maximumModelLength)
				}
				if r.InputTokens < 0 || r.OutputTokens < 0 || r.InputCachedTokens < 0 || r.NumModelRequests < 0 {
					return fmt.Errorf("GET %s returned negative counts for %s", EndpointUsageCompletions, envconfig.Truncate(*r.Model))
				}
				u := models[*r.Model]
				u.Requests += r.NumModelRequests
				u.InputTokens += r.InputTokens
				u.CachedInputTokens += r.InputCachedTokens
				u.OutputTokens += r.OutputTokens
				models[*r.Model] = u
			}
			if len(models) > maximumMaxModels {
				return fmt.Errorf("GET %s counts more than %d models in a day", EndpointUsageCompletions, maximumMaxModels)
			}
		}
		return nil
	})
	return out, err
}

// rangeQuery asks for the daily buckets of [start, end), all on one page
// when the server allows.
func rangeQuery(start, end time.Time, buckets int) url.Values {
	return url.Values{
		"start_time":   {strconv.FormatInt(start.Unix(), 10)},
		"end_time":     {strconv.FormatInt(end.Unix(), 10)},
		"bucket_width": {"1d"},
		"limit":        {strconv.Itoa(buckets)},
	}
}

// checkBucket accepts a bucket of one whole UTC day.
func checkBucket(endpoint string, start, end int64) error {
	if start%int64(day.Seconds()) != 0 || end-start != int64(day.Seconds()) {
		return fmt.Errorf("GET %s returned a bucket from %d to %d, not one UTC day: the exporter asks for bucket_width=1d", endpoint, start, end)
	}
	return nil
}

// pages gets every page of endpoint, following next_page while has_more, and
// hands each to use.
func pages[R any](ctx context.Context, c *client, endpoint string, query url.Values, use func(page[R]) error) error {
	seen := map[string]bool{}
	for n := 1; ; n++ {
		var pg page[R]
		if err := c.get(ctx, endpoint, query, &pg); err != nil {
			return err
		}
		if err := use(pg); err != nil {
			return err
		}
		if !pg.HasMore {
			return nil
		}
		if pg.NextPage == nil || *pg.NextPage == "" {
			return fmt.Errorf("GET %s: page %d says has_more but gives no next_page: the answer was cut short; the next poll tries again", endpoint, n)
		}
		if seen[*pg.NextPage] || n == maxPages {
			return fmt.Errorf("GET %s: still has_more after %d pages: the server's pagination does not end", endpoint, n)
		}
		seen[*pg.NextPage] = true
		query.Set("page", *pg.NextPage)
	}
}
