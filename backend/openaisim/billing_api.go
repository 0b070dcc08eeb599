package openaisim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Paths of the organization's Costs and Usage APIs, which OpenAI serves to
// admin keys.
const (
	pathCosts            = "/v1/organization/costs"
	pathUsageCompletions = "/v1/organization/usage/completions"
)

// Page sizes of the Costs and Usage APIs with daily buckets, as OpenAI
// documents them: the default, and the most one page holds.
const (
	defaultBucketLimit  = 7
	maxCostBuckets      = 180
	maxUsageDailyBucket = 31
)

// cursorPrefix starts every page cursor, as OpenAI's next_page does.
const cursorPrefix = "page_"

// The JSON shapes of the Costs and Usage APIs.

type bucketPage struct {
	Object   string   `json:"object"`
	Data     []bucket `json:"data"`
	HasMore  bool     `json:"has_more"`
	NextPage *string  `json:"next_page"`
}

type bucket struct {
	Object    string `json:"object"`
	StartTime int64  `json:"start_time"`
	EndTime   int64  `json:"end_time"`
	Results   []any  `json:"results"`
}

type costResult struct {
	Object    string     `json:"object"`
	Amount    costAmount `json:"amount"`
	LineItem  *string    `json:"line_item"`
	ProjectID *string    `json:"project_id"`
}

type costAmount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
}

type completionsResult struct {
	Object            string  `json:"object"`
	InputTokens       int64   `json:"input_tokens"`
	OutputTokens      int64   `json:"output_tokens"`
	InputCachedTokens int64   `json:"input_cached_tokens"`
	InputAudioTokens  int64   `json:"input_audio_tokens"`
	OutputAudioTokens int64   `json:"output_audio_tokens"`
	NumModelRequests  int64   `json:"num_model_requests"`
	ProjectID         *string `json:"project_id"`
	UserID            *string `json:"user_id"`
	APIKeyID          *string `json:"api_key_id"`
	Model             *string `json:"model"`
	Batch             *bool   `json:"batch"`
}

// bucketQuery is a request's range of daily buckets and its page.
type bucketQuery struct {
	start, end int64 // bucket starts in [start, end), 00:00 UTC each
	first      int64 // the page's first bucket
	limit      int
	byModel    bool
}

// serveCosts answers GET /v1/organization/costs: one daily bucket per day of
// the range, whose one result is the day's cost at ListPrices (no result for
// a day without traffic).
func (s *Server) serveCosts(ex *exchange, r *http.Request) {
	if !s.authenticate(ex, r) {
		return
	}
	q, bad := s.parseBucketQuery(r.URL.Query(), maxCostBuckets, false)
	if bad != nil {
		ex.fail(*bad)
		return
	}
	ex.writeJSON(http.StatusOK, q.page(func(start int64) []any {
		b := s.billing.bill(start)
		if len(b.Models) == 0 {
			return []any{}
		}
		return []any{costResult{
			Object: "organization.costs.result",
			Amount: costAmount{Value: b.CostUSD, Currency: "usd"},
		}}
	}))
}

// serveUsageCompletions answers GET /v1/organization/usage/completions: one
// daily bucket per day of the range, with one result per model
// (group_by=model) or one for all of them.
func (s *Server) serveUsageCompletions(ex *exchange, r *http.Request) {
	if !s.authenticate(ex, r) {
		return
	}
	q, bad := s.parseBucketQuery(r.URL.Query(), maxUsageDailyBucket, true)
	if bad != nil {
		ex.fail(*bad)
		return
	}
	ex.writeJSON(http.StatusOK, q.page(func(start int64) []any {
		b := s.billing.bill(start)
		results := []any{}
		var all completionsResult
		for _, mu := range b.Models {
			res := completionsResult{
				InputTokens: mu.InputTokens, OutputTokens: mu.OutputTokens,
				InputCachedTokens: mu.CachedInputTokens, NumModelRequests: mu.Requests,
			}
			if q.byModel {
				res.Object, res.Model = "organization.usage.completions.result", ptr(mu.Model)
				results = append(results, res)
				continue
			}
			all.InputTokens += res.InputTokens
			all.OutputTokens += res.OutputTokens
			all.InputCachedTokens += res.InputCachedTokens
			all.NumModelRequests += res.NumModelRequests
		}
		if !q.byModel && len(b.Models) > 0 {
			all.Object = "organization.usage.completions.result"
			results = append(results, all)
		}
		return results
	}))
}

// page builds the page of buckets q asks for, each with its results.
func (q bucketQuery) page(results func(start int64) []any) bucketPage {
	p := bucketPage{Object: "page", Data: []bucket{}}
	start := q.first
	for ; start < q.end && len(p.Data) < q.limit; start += int64(day.Seconds()) {
		p.Data = append(p.Data, bucket{
			Object: "bucket", StartTime: start, EndTime: start + int64(day.Seconds()), Results: results(start),
		})
	}
	if start < q.end {
		p.HasMore, p.NextPage = true, ptr(encodeCursor(start))
	}
	return p
}

// parseBucketQuery reads start_time (required), end_time (default: the end
// of the current day), bucket_width (1d only), limit, page and, for the
// Usage API, group_by (model only).
func (s *Server) parseBucketQuery(v url.Values, maxLimit int, usageAPI bool) (bucketQuery, *failure) {
	bad := func(param, message string) (bucketQuery, *failure) {
		f := invalidRequest(http.StatusBadRequest, message, param, "invalid_value")
		return bucketQuery{}, &f
	}
	startTime, err := strconv.ParseInt(v.Get("start_time"), 10, 64)
	if err != nil || startTime < 0 {
		return bad("start_time", "Invalid 'start_time': give the start of the range in Unix seconds.")
	}
	q := bucketQuery{start: startTime - startTime%int64(day.Seconds()), limit: defaultBucketLimit}
	q.end = dayStart(s.now()) + int64(day.Seconds())
	if raw := v.Get("end_time"); raw != "" {
		endTime, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || endTime <= startTime {
			return bad("end_time", "Invalid 'end_time': give the end of the range in Unix seconds, after 'start_time'.")
		}
		q.end = endTime
	}
	if w := v.Get("bucket_width"); w != "" && w != "1d" {
		return bad("bucket_width", fmt.Sprintf("Invalid 'bucket_width': %q; the simulator has daily buckets only (1d).", w))
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return bad("limit", fmt.Sprintf("Invalid 'limit': use a number from 1 to %d.", maxLimit))
		}
		q.limit = n
	}
	for _, g := range v["group_by"] {
		for field := range strings.SplitSeq(g, ",") {
			if !usageAPI || field != "model" {
				return bad("group_by", fmt.Sprintf("Invalid 'group_by': %q; the simulator groups the usage by model only.", field))
			}
			q.byModel = true
		}
	}
	q.first = q.start
	if raw := v.Get("page"); raw != "" {
		first, ok := decodeCursor(raw)
		if !ok || first < q.start || first >= q.end || (first-q.start)%int64(day.Seconds()) != 0 {
			return bad("page", "Invalid 'page': pass the next_page of the previous answer, with the same range.")
		}
		q.first = first
	}
	return q, nil
}

// encodeCursor and decodeCursor make an opaque page cursor of the first
// bucket of the next page, as OpenAI's next_page is.
func encodeCursor(start int64) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(start, 10)))
}

func decodeCursor(cursor string) (int64, bool) {
	raw, ok := strings.CutPrefix(cursor, cursorPrefix)
	if !ok {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return 0, false
	}
	start, err := strconv.ParseInt(string(b), 10, 64)
	return start, err == nil
}
