package promexpr_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

func TestSelector(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{promexpr.Series(m.RequestsTotal).String(), m.RequestsTotal},
		{promexpr.Series(m.RequestsTotal).Eq(m.LabelStatus, m.StatusError).String(), m.RequestsTotal + `{status="error"}`},
		{promexpr.Series(m.TokensTotal).In(m.LabelTokenType, m.TokenInput, m.TokenOutput).String(), m.TokensTotal + `{token_type=~"input|output"}`},
		{promexpr.Series(m.TokensTotal).In(m.LabelTokenType, m.TokenInput).String(), m.TokensTotal + `{token_type="input"}`},
		// Regular expression characters of model names are escaped.
		{promexpr.Series(m.TokensTotal).NotIn(m.LabelModel, "gpt-4.1", "o3").String(), m.TokensTotal + `{model!~"gpt-4\\.1|o3"}`},
		{promexpr.Series(m.TokensTotal).Matches(m.LabelModel, "$model").String(), m.TokensTotal + `{model=~"$model"}`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestSelectorsAreImmutable(t *testing.T) {
	base := promexpr.Series(m.RequestsTotal).Eq(m.LabelModel, "a")
	_ = base.Eq(m.LabelStatus, m.StatusError)
	if base.String() != m.RequestsTotal+`{model="a"}` {
		t.Errorf("deriving a selector changed its base: %s", base)
	}
}

func TestOver(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", 90 * time.Second: "1m30s", 24 * time.Hour: "1d"} {
		if got := promexpr.Over(d); string(got) != want {
			t.Errorf("Over(%s) = %s, want %s", d, got, want)
		}
	}
}

// evaluate runs an expression at minute 30 over series sampled every minute.
func evaluate(t *testing.T, expr string, series ...string) promql.Vector {
	t.Helper()
	return instantQueries(t, series)(expr, 30*time.Minute)
}

func requests(model, status, values string) string {
	s := fmt.Sprintf(`%s{%s=%q,%s=%q`, m.RequestsTotal, m.LabelModel, model, m.LabelStatus, status)
	if status == m.StatusError {
		s += fmt.Sprintf(`,%s=%q`, m.LabelErrorType, m.ErrorProviderError)
	}
	return s + "} " + values
}

func TestErrorPercent(t *testing.T) {
	expr := promexpr.ErrorPercent(promexpr.AllModels(), promexpr.Over(5*time.Minute))
	tests := []struct {
		name   string
		series []string
		want   []float64
	}{
		{"successes only read 0, not nothing", []string{requests("a", m.StatusSuccess, "0+100x30")}, []float64{0}},
		{"6 errors in 100", []string{requests("a", m.StatusSuccess, "0+94x30"), requests("a", m.StatusError, "0+6x30")}, []float64{6}},
		{"no traffic reads nothing", []string{requests("a", m.StatusSuccess, "100x30")}, nil},
		{"cancelled calls count neither way", []string{requests("a", m.StatusSuccess, "0+94x30"), requests("a", m.StatusError, "0+6x30"),
			requests("a", m.StatusCancelled, "0+400x30")}, []float64{6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evaluate(t, expr, tt.series...)
			if len(v) != len(tt.want) {
				t.Fatalf("%v, want %v", v, tt.want)
			}
			for i, s := range v {
				if diff := s.F - tt.want[i]; diff > 1e-9 || diff < -1e-9 {
					t.Errorf("%v, want %v", s.F, tt.want[i])
				}
			}
		})
	}
}

func TestTokenPartPercents(t *testing.T) {
	tokens := func(model, tokenType, values string) string {
		return tokenSeries("backend-1", model, tokenType, values)
	}
	series := []string{
		// gpt-4o-mini reads 8000 of its 20000 input tokens a minute from
		// the cache; o3 spends 3000 of its 4000 output tokens reasoning.
		tokens("gpt-4o-mini", m.TokenInput, "0+20000x30"), tokens("gpt-4o-mini", m.TokenCachedInput, "0+8000x30"),
		tokens("gpt-4o-mini", m.TokenOutput, "0+1000x30"), tokens("gpt-4o-mini", m.TokenReasoning, "0x30"),
		tokens("o3", m.TokenInput, "0+5000x30"), tokens("o3", m.TokenCachedInput, "0x30"),
		tokens("o3", m.TokenOutput, "0+4000x30"), tokens("o3", m.TokenReasoning, "0+3000x30"),
		// An older backend records no parts.
		tokens("gpt-4.1", m.TokenInput, "0+100x30"), tokens("gpt-4.1", m.TokenOutput, "0+100x30"),
		// A model idle for the last 10 minutes.
		tokens("gpt-4o", m.TokenInput, "0+100x20 2000x10"), tokens("gpt-4o", m.TokenCachedInput, "0+50x20 1000x10"),
	}
	w := promexpr.Over(5 * time.Minute)
	for name, tt := range map[string]struct {
		expr string
		want map[string]float64
	}{
		"cache hit ratio": {promexpr.CacheHitPercent(promexpr.AllModels(), w, m.LabelModel), map[string]float64{"gpt-4o-mini": 40, "o3": 0, "gpt-4o": math.NaN()}},
		"reasoning share": {promexpr.ReasoningPercent(promexpr.AllModels(), w, m.LabelModel), map[string]float64{"gpt-4o-mini": 0, "o3": 75}},
	} {
		got := byLabel(evaluate(t, tt.expr, series...), m.LabelModel)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", name, got, tt.want)
		}
		for model, want := range tt.want {
			g, ok := got[model]
			if !ok || (math.IsNaN(want) != math.IsNaN(g)) || (!math.IsNaN(want) && !near(g, want)) {
				t.Errorf("%s of %s: %v (present %v), want %v", name, model, g, ok, want)
			}
		}
	}
}

func TestPercentileName(t *testing.T) {
	for q, want := range map[float64]string{0.5: "p50", 0.95: "p95", 0.99: "p99", 0.999: "p99.9"} {
		if got := promexpr.PercentileName(q); got != want {
			t.Errorf("PercentileName(%v) = %s, want %s", q, got, want)
		}
	}
}

// apiRequests is a series of the API's server duration histogram: its count
// by route and status code, growing by perMinute.
func apiRequests(route, code string, perMinute int) string {
	return fmt.Sprintf(`%s{%s=%q,%s="POST",%s=%q} 0+%dx30`, m.Count(m.HTTPServerRequestDurationSeconds),
		m.LabelHTTPRoute, route, m.LabelHTTPRequestMethod, m.LabelHTTPResponseStatusCode, code, perMinute)
}

func TestAPIResponseRate(t *testing.T) {
	series := []string{
		apiRequests(m.HTTPRouteChat, "200", 600),
		apiRequests(m.HTTPRouteChat, "400", 60),
		apiRequests(m.HTTPRouteChat, "401", 120),
		apiRequests(m.HTTPRouteChat, "503", 30),
		apiRequests(m.HTTPRouteUnmatched, "404", 6),
	}
	w := promexpr.Over(5 * time.Minute)
	if v := evaluate(t, promexpr.APIRequestRate(w), series...); len(v) != 1 || !near(v[0].F, 13.6) {
		t.Errorf("request rate = %v, want 13.6/s", v)
	}
	// A burst of 401 (a client with a wrong key) shows beside the 400s, each
	// code its own series; 5xx are apart.
	want := map[promexpr.StatusClass]map[string]float64{
		promexpr.ClientErrors: {"400": 1, "401": 2, "404": 0.1},
		promexpr.ServerErrors: {"503": 0.5},
	}
	for class, codes := range want {
		v := evaluate(t, promexpr.APIResponseRate(class, w, m.LabelHTTPResponseStatusCode), series...)
		got := map[string]float64{}
		for _, s := range v {
			got[s.Metric.Get(m.LabelHTTPResponseStatusCode)] = s.F
		}
		if len(got) != len(codes) {
			t.Errorf("%s: %v, want %v", class.Name(), got, codes)
		}
		for code, rate := range codes {
			if !near(got[code], rate) {
				t.Errorf("%s: %s at %v/s, want %v/s", class.Name(), code, got[code], rate)
			}
		}
	}
}

func TestAPILatencyQuantile(t *testing.T) {
	bucket := func(route, le string, perMinute int) string {
		return fmt.Sprintf(`%s{%s=%q,%s=%q} 0+%dx30`, m.Bucket(m.HTTPServerRequestDurationSeconds), m.LabelHTTPRoute, route, m.LabelBucket, le, perMinute)
	}
	// Health checks all within 5 ms; chat requests all between 1 and 2 s.
	series := []string{
		bucket(m.HTTPRouteHealth, "0.005", 60), bucket(m.HTTPRouteHealth, "1", 60), bucket(m.HTTPRouteHealth, "2", 60), bucket(m.HTTPRouteHealth, "+Inf", 60),
		bucket(m.HTTPRouteChat, "0.005", 0), bucket(m.HTTPRouteChat, "1", 0), bucket(m.HTTPRouteChat, "2", 60), bucket(m.HTTPRouteChat, "+Inf", 60),
	}
	v := evaluate(t, promexpr.APILatencyQuantile(0.95, promexpr.Over(5*time.Minute), m.LabelHTTPRoute), series...)
	got := map[string]float64{}
	for _, s := range v {
		got[s.Metric.Get(m.LabelHTTPRoute)] = s.F
	}
	if len(got) != 2 || got[m.HTTPRouteHealth] > 0.005 || got[m.HTTPRouteChat] < 1 || got[m.HTTPRouteChat] > 2 {
		t.Errorf("p95 by route = %v, want health within 5ms, chat between 1s and 2s", got)
	}
}

func TestStatusClassName(t *testing.T) {
	if promexpr.ClientErrors.Name() != "4xx" || promexpr.ServerErrors.Name() != "5xx" {
		t.Errorf("names %s, %s", promexpr.ClientErrors.Name(), promexpr.ServerErrors.Name())
	}
}

func near(got, want float64) bool { return got-want < 1e-9 && want-got < 1e-9 }
