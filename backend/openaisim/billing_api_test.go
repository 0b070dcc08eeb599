package openaisim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

const dayLength = 24 * time.Hour

// billingPage is a page of the Costs or Usage API, decoded strictly.
type billingPage struct {
	Object string `json:"object"`
	Data   []struct {
		Object    string            `json:"object"`
		StartTime int64             `json:"start_time"`
		EndTime   int64             `json:"end_time"`
		Results   []json.RawMessage `json:"results"`
	} `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
}

type costResult struct {
	Object string `json:"object"`
	Amount struct {
		Value    float64 `json:"value"`
		Currency string  `json:"currency"`
	} `json:"amount"`
	LineItem  *string `json:"line_item"`
	ProjectID *string `json:"project_id"`
}

type usageResult struct {
	Object            string  `json:"object"`
	InputTokens       int64   `json:"input_tokens"`
	OutputTokens      int64   `json:"output_tokens"`
	InputCachedTokens int64   `json:"input_cached_tokens"`
	NumModelRequests  int64   `json:"num_model_requests"`
	Model             *string `json:"model"`
}

// getBilling GETs an organization endpoint with query and decodes the page.
func (s *sim) getBilling(t *testing.T, path string, query url.Values) billingPage {
	t.Helper()
	status, _, body := s.do(t, http.MethodGet, "/v1"+path+"?"+query.Encode(), "", "Bearer "+testKey)
	if status != http.StatusOK {
		t.Fatalf("GET %s?%s: %d %s", path, query.Encode(), status, body)
	}
	var p billingPage
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return p
}

func rangeOf(start, end time.Time) url.Values {
	return url.Values{
		"start_time": {fmt.Sprint(start.Unix())}, "end_time": {fmt.Sprint(end.Unix())}, "bucket_width": {"1d"},
	}
}

// answered is what the test saw answered, by day and model.
type answered map[int64]map[string]*openaisim.ModelUsage

func (a answered) add(day time.Time, model string, u openai.Usage) {
	key := day.Truncate(dayLength).Unix()
	if a[key] == nil {
		a[key] = map[string]*openaisim.ModelUsage{}
	}
	mu := a[key][model]
	if mu == nil {
		mu = &openaisim.ModelUsage{Model: model}
		a[key][model] = mu
	}
	mu.Requests++
	mu.InputTokens += int64(u.PromptTokens)
	mu.OutputTokens += int64(u.CompletionTokens)
	if u.PromptTokensDetails != nil {
		mu.CachedInputTokens += int64(u.PromptTokensDetails.CachedTokens)
	}
}

func TestBillingAPIsReportTheAnsweredTrafficByDay(t *testing.T) {
	day1 := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	clock := openaisim.NewManualClock(day1.Add(22 * time.Hour))
	s := start(t, openaisim.Config{Now: clock.Now})
	seen := answered{}
	ask := func(model, prompt string) {
		t.Helper()
		req := chat(prompt)
		req.Model = model
		resp, err := s.client.CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", model, err)
		}
		seen.add(clock.Now(), model, resp.Usage)
	}
	ask("gpt-4o-mini", "oak dining table, six chairs")
	ask("gpt-4o-mini", "vintage road bike")
	ask("gpt-4o-2024-08-06", "leather armchair with a footstool and cushions")
	if err := s.srv.Script(openaisim.Fault500); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ask(t, "a failed request is not billed"); err == nil {
		t.Fatal("the scripted 500 did not happen")
	}
	clock.Advance(3 * time.Hour) // day 2, 01:00
	ask("gpt-4o-mini", "children's bookshelf")

	query := rangeOf(day1.Add(-dayLength), day1.Add(2*dayLength))
	query.Set("group_by", "model")
	usage := s.getBilling(t, "/organization/usage/completions", query)
	costs := s.getBilling(t, "/organization/costs", rangeOf(day1.Add(-dayLength), day1.Add(2*dayLength)))
	if usage.Object != "page" || usage.HasMore || usage.NextPage != nil || len(usage.Data) != 3 || len(costs.Data) != 3 || costs.HasMore {
		t.Fatalf("usage %+v, costs %+v: want one page of three daily buckets each", usage, costs)
	}
	for i := range 3 {
		wantStart := day1.Add(time.Duration(i-1) * dayLength).Unix()
		for _, b := range []int64{usage.Data[i].StartTime, costs.Data[i].StartTime} {
			if b != wantStart {
				t.Errorf("bucket %d starts at %d, want %d", i, b, wantStart)
			}
		}
		if usage.Data[i].EndTime != wantStart+int64(dayLength.Seconds()) || usage.Data[i].Object != "bucket" {
			t.Errorf("bucket %d: %+v, want a bucket of one day", i, usage.Data[i])
		}
		want := seen[wantStart]
		if got := len(usage.Data[i].Results); got != len(want) {
			t.Errorf("day %d: %d usage results, want one per model answered (%d)", i, got, len(want))
		}
		wantCost := 0.0
		for _, raw := range usage.Data[i].Results {
			var r usageResult
			if err := json.Unmarshal(raw, &r); err != nil || r.Model == nil {
				t.Fatalf("usage result %s: %v", raw, err)
			}
			w := want[*r.Model]
			if w == nil || r.Object != "organization.usage.completions.result" || r.NumModelRequests != w.Requests ||
				r.InputTokens != w.InputTokens || r.OutputTokens != w.OutputTokens || r.InputCachedTokens != w.CachedInputTokens {
				t.Errorf("day %d, %s: %+v, want %+v", i, *r.Model, r, w)
			}
			price, ok := openaisim.PriceOf(*r.Model)
			if !ok {
				t.Fatalf("%s has no price", *r.Model)
			}
			wantCost += price.Cost(r.InputTokens, r.InputCachedTokens, r.OutputTokens)
		}
		if len(want) == 0 {
			if len(costs.Data[i].Results) != 0 {
				t.Errorf("day %d had no traffic, yet costs %s", i, costs.Data[i].Results)
			}
			continue
		}
		if len(costs.Data[i].Results) != 1 {
			t.Fatalf("day %d: %d cost results, want one", i, len(costs.Data[i].Results))
		}
		var c costResult
		if err := json.Unmarshal(costs.Data[i].Results[0], &c); err != nil {
			t.Fatal(err)
		}
		if c.Object != "organization.costs.result" || c.Amount.Currency != "usd" || c.LineItem != nil || c.ProjectID != nil {
			t.Errorf("day %d: cost result %+v", i, c)
		}
		if diff := c.Amount.Value - wantCost; c.Amount.Value <= 0 || diff > 1e-12 || diff < -1e-12 {
			t.Errorf("day %d costs %v USD, want %v (the usage at list prices)", i, c.Amount.Value, wantCost)
		}
		bill := s.srv.Bill(time.Unix(wantStart, 0).Add(time.Hour))
		if bill.CostUSD != c.Amount.Value || len(bill.Models) != len(want) || !bill.Start.Equal(time.Unix(wantStart, 0)) {
			t.Errorf("Bill of day %d = %+v, want what the Costs API answered (%v)", i, bill, c.Amount.Value)
		}
	}

	// Without group_by, one result holds every model's usage.
	all := s.getBilling(t, "/organization/usage/completions", rangeOf(day1, day1.Add(dayLength)))
	if len(all.Data) != 1 || len(all.Data[0].Results) != 1 {
		t.Fatalf("ungrouped usage %+v, want one bucket with one result", all)
	}
	var r usageResult
	if err := json.Unmarshal(all.Data[0].Results[0], &r); err != nil {
		t.Fatal(err)
	}
	var requests int64
	for _, mu := range seen[day1.Unix()] {
		requests += mu.Requests
	}
	if r.Model != nil || r.NumModelRequests != requests {
		t.Errorf("ungrouped result %+v, want %d requests and no model", r, requests)
	}
}

func TestBillingAPIsPageWithCursors(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	s := start(t, openaisim.Config{Now: func() time.Time { return now }})
	first := now.Truncate(dayLength).Add(-4 * dayLength)
	for _, path := range []string{"/organization/costs", "/organization/usage/completions"} {
		query := rangeOf(first, now) // five buckets, today's partial one last
		query.Set("limit", "2")
		var starts []int64
		for pages := 1; ; pages++ {
			p := s.getBilling(t, path, query)
			if len(p.Data) > 2 {
				t.Fatalf("%s page %d holds %d buckets, above the limit 2", path, pages, len(p.Data))
			}
			for _, b := range p.Data {
				starts = append(starts, b.StartTime)
			}
			if !p.HasMore {
				if p.NextPage != nil || pages != 3 {
					t.Errorf("%s: last page %d has next_page %v, want page 3 and none", path, pages, p.NextPage)
				}
				break
			}
			if p.NextPage == nil || !strings.HasPrefix(*p.NextPage, "page_") || pages > 3 {
				t.Fatalf("%s page %d: has_more with next_page %v", path, pages, p.NextPage)
			}
			query.Set("page", *p.NextPage)
		}
		if len(starts) != 5 {
			t.Fatalf("%s: buckets %v, want five", path, starts)
		}
		for i, st := range starts {
			if want := first.Add(time.Duration(i) * dayLength).Unix(); st != want {
				t.Errorf("%s: bucket %d starts at %d, want %d", path, i, st, want)
			}
		}
	}
}

func TestBillingAPIsRefuseWhatOpenAIRefuses(t *testing.T) {
	s := start(t, openaisim.Config{APIKeys: []string{testKey}})
	valid := "start_time=1767225600&end_time=1767312000"
	for _, tc := range []struct {
		name, method, path, auth string
		status                   int
		param                    string
	}{
		{"no key", http.MethodGet, "/v1/organization/costs?" + valid, "", http.StatusUnauthorized, ""},
		{"a key not accepted", http.MethodGet, "/v1/organization/usage/completions?" + valid, "Bearer sk-admin-not-this-one", http.StatusUnauthorized, ""},
		{"POST", http.MethodPost, "/v1/organization/costs?" + valid, "Bearer " + testKey, http.StatusMethodNotAllowed, ""},
		{"no start_time", http.MethodGet, "/v1/organization/costs?end_time=1767312000", "Bearer " + testKey, http.StatusBadRequest, "start_time"},
		{"end before start", http.MethodGet, "/v1/organization/costs?start_time=1767312000&end_time=1767225600", "Bearer " + testKey, http.StatusBadRequest, "end_time"},
		{"hourly buckets", http.MethodGet, "/v1/organization/usage/completions?bucket_width=1h&" + valid, "Bearer " + testKey, http.StatusBadRequest, "bucket_width"},
		{"limit 0", http.MethodGet, "/v1/organization/costs?limit=0&" + valid, "Bearer " + testKey, http.StatusBadRequest, "limit"},
		{"usage limit above 31", http.MethodGet, "/v1/organization/usage/completions?limit=32&" + valid, "Bearer " + testKey, http.StatusBadRequest, "limit"},
		{"costs by model", http.MethodGet, "/v1/organization/costs?group_by=model&" + valid, "Bearer " + testKey, http.StatusBadRequest, "group_by"},
		{"a made-up cursor", http.MethodGet, "/v1/organization/costs?page=page_xyz&" + valid, "Bearer " + testKey, http.StatusBadRequest, "page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := s.do(t, tc.method, tc.path, "", tc.auth)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			e := decodeError(t, body)
			if tc.param != "" && (e.Error.Param == nil || *e.Error.Param != tc.param) {
				t.Errorf("error %+v, want param %s", e.Error, tc.param)
			}
			if strings.Contains(string(body), "sk-admin-not-this-one") {
				t.Error("the error quotes the key")
			}
		})
	}
	// The largest pages OpenAI allows are accepted.
	for _, q := range []string{"/v1/organization/costs?limit=180&", "/v1/organization/usage/completions?limit=31&"} {
		if status, _, body := s.do(t, http.MethodGet, q+valid, "", "Bearer "+testKey); status != http.StatusOK {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

func TestPriceOfNamesSnapshotsAndNothingElse(t *testing.T) {
	prices := openaisim.ListPrices()
	for model, want := range prices {
		for _, name := range []string{model, model + "-2025-08-07"} {
			if got, ok := openaisim.PriceOf(name); !ok || got != want {
				t.Errorf("PriceOf(%q) = %+v, %v; want %s's %+v", name, got, ok, model, want)
			}
		}
		if want.CachedInput > want.Input || want.Input <= 0 || want.Output <= 0 {
			t.Errorf("%s: %+v; cached input costs more than input, or a price is not positive", model, want)
		}
	}
	// gpt-4o-mini is not a snapshot of gpt-4o, nor o3-mini one of o3.
	if mini, full := prices["gpt-4o-mini"], prices["gpt-4o"]; mini == full {
		t.Fatal("the test needs gpt-4o and gpt-4o-mini priced apart")
	}
	if got, _ := openaisim.PriceOf("gpt-4o-mini-2024-07-18"); got != prices["gpt-4o-mini"] {
		t.Errorf("gpt-4o-mini-2024-07-18 priced %+v, want gpt-4o-mini's", got)
	}
	for _, unknown := range []string{"davinci-002", "gpt-4o-realtime", "gpt-4o-", "o3-pro-2025"} {
		if p, ok := openaisim.PriceOf(unknown); ok {
			t.Errorf("PriceOf(%q) = %+v: an unlisted model has no price", unknown, p)
		}
	}
	prices["gpt-4o"] = openaisim.Price{}
	if openaisim.ListPrices()["gpt-4o"] == (openaisim.Price{}) {
		t.Error("ListPrices returns the simulator's own table, not a copy")
	}
}

func TestPriceCostBillsCachedAndUncachedInputApart(t *testing.T) {
	p := openaisim.Price{Input: 2, CachedInput: 0.5, Output: 8}
	for _, tc := range []struct {
		input, cached, output int64
		want                  float64
	}{
		{1_000_000, 0, 0, p.Input},
		{1_000_000, 1_000_000, 0, p.CachedInput},
		{0, 0, 1_000_000, p.Output},
		{3_000_000, 1_000_000, 2_000_000, 2*p.Input + p.CachedInput + 2*p.Output},
	} {
		if got := p.Cost(tc.input, tc.cached, tc.output); got != tc.want {
			t.Errorf("Cost(%d, %d, %d) = %v, want %v", tc.input, tc.cached, tc.output, got, tc.want)
		}
	}
}
