package queries_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
)

func generated() string { return filepath.Join("..", "generated") }

func TestLoad(t *testing.T) {
	qs, err := queries.Load(generated())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[queries.Kind]int{}
	quiet := map[string]bool{}
	for _, q := range qs {
		kinds[q.Source.Kind]++
		if len(queries.References(q.Expr)) > 0 {
			t.Errorf("%s: macro left in %s", q.Source, q.Expr)
		}
		if q.Original == "" || q.Source.File == "" || q.Source.Title == "" {
			t.Errorf("incomplete query %+v", q)
		}
		if q.Source.Kind != queries.Variable && q.Source.RefID == "" {
			t.Errorf("%s: no refId", q.Source)
		}
		if !q.ExpectData && !q.Billing {
			quiet[q.Source.Kind.String()+" "+q.Source.Title] = true
		}
	}
	if kinds[queries.Variable] != 1 || kinds[queries.Rule] != 14 || kinds[queries.Panel] < 20 {
		t.Errorf("queries by kind = %v, want 1 variable, 14 rule queries and every panel target", kinds)
	}
	wantQuiet := map[string]bool{"panel Tokens of unpriced models": true, "rule OpenAIUnpricedModel": true}
	if fmt.Sprint(quiet) != fmt.Sprint(wantQuiet) {
		t.Errorf("queries expecting no data: %v, want %v", quiet, wantQuiet)
	}
	for _, q := range qs {
		if q.Source.Kind == queries.Variable && q.Expr != m.RequestsTotal {
			t.Errorf("variable %s becomes %q, want the selector %s", q.Source.Title, q.Expr, m.RequestsTotal)
		}
	}
}

// The Loki and Tempo panels hold LogQL and TraceQL, not PromQL: they are
// not among the queries, though Loki's is in expr like PromQL.
func TestLoadSkipsLokiAndTempoTargets(t *testing.T) {
	qs, err := queries.Load(generated())
	if err != nil {
		t.Fatal(err)
	}
	notPromQL := map[string]bool{}
	for _, id := range []uint32{openairuntime.PanelErrorLogs, openairuntime.PanelFailedCallsTable, openairuntime.PanelSlowestCallsTable} {
		notPromQL[strconv.Itoa(int(id))] = true
	}
	for _, q := range qs {
		if q.Source.Kind == queries.Panel && notPromQL[q.Source.ID] {
			t.Errorf("%s is not PromQL: %s", q.Source, q.Expr)
		}
	}
}

func TestLoadWithoutArtifacts(t *testing.T) {
	if _, err := queries.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "run make generate") {
		t.Errorf("error %v, want one that says to run make generate", err)
	}
}

func TestSubstitute(t *testing.T) {
	tests := map[string]string{
		`rate(x{model=~"$model"}[$__rate_interval])`:     `rate(x{model=~".+"}[5m])`,
		`rate(x{model=~"${model}"}[${__rate_interval}])`: `rate(x{model=~".+"}[5m])`,
		`rate(x{model=~"${model:regex}"}[$__interval])`:  `rate(x{model=~".+"}[1m])`,
		`increase(x{model=~"[[model]]"}[$__range])`:      `increase(x{model=~".+"}[1h])`,
		`x / $__range_s + $__range_ms + $__interval_ms`:  `x / 3600 + 3600000 + 60000`,
		`sum(rate(x[5m]))`: `sum(rate(x[5m]))`,
		// label_replace's reference to a capture group is no variable.
		`label_replace(x{model=~"$model"}, "m", "$1", "model", "(.+)-v")`: `label_replace(x{model=~".+"}, "m", "$1", "model", "(.+)-v")`,
	}
	for in, want := range tests {
		if got := queries.Substitute(in); got != want {
			t.Errorf("Substitute(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSourceString(t *testing.T) {
	s := queries.Source{File: "dashboards/d.json", Kind: queries.Panel, Title: "Error %", ID: "4", RefID: "A"}
	if got, want := s.String(), `dashboards/d.json: panel "Error %" (4) query A`; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// healthyTraffic is minutes of a backend that served a priced model:
// successes, every error type, tokens, latency and rate-limit headers, and
// the API's answers to them.
func healthyTraffic(model string, minutes int) []string {
	counter := func(perMinute float64) string { return fmt.Sprintf("0+%gx%d", perMinute, minutes) }
	gauge := func(v float64) string { return fmt.Sprintf("%gx%d", v, minutes) }
	s := func(metric, values string, pairs ...string) string {
		pairs = append([]string{m.LabelJob, "scanium/backend", m.LabelInstance, "backend-1", m.LabelModel, model}, pairs...)
		var parts []string
		for i := 0; i+1 < len(pairs); i += 2 {
			parts = append(parts, fmt.Sprintf("%s=%q", pairs[i], pairs[i+1]))
		}
		return metric + "{" + strings.Join(parts, ",") + "} " + values
	}
	out := []string{s(m.RequestsTotal, counter(100), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamFalse)}
	for _, e := range m.ErrorTypes() {
		out = append(out, s(m.RequestsTotal, counter(1), m.LabelStatus, m.StatusError, m.LabelErrorType, e, m.LabelStream, m.StreamFalse))
	}
	// Streamed calls: their time to first token, all within 0.5s.
	for _, le := range append(m.FirstTokenBuckets(), 0) {
		leText, perMinute := fmt.Sprint(le), 0.0
		if le == 0 || le >= 0.5 {
			perMinute = 10
		}
		if le == 0 {
			leText = "+Inf"
		}
		out = append(out, s(m.Bucket(m.TimeToFirstTokenSeconds), counter(perMinute), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamTrue, m.LabelBucket, leText))
	}
	out = append(out, s(m.Count(m.TimeToFirstTokenSeconds), counter(10), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamTrue))
	for _, le := range append(m.DurationBuckets(), 0) {
		leText, perMinute := fmt.Sprint(le), 0.0
		if le == 0 {
			leText = "+Inf"
		}
		switch {
		case le == 0 || le >= 2:
			perMinute = 100
		case le >= 0.5:
			perMinute = 60
		}
		out = append(out, s(m.Bucket(m.RequestDurationSeconds), counter(perMinute), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamFalse, m.LabelBucket, leText))
	}
	out = append(out,
		s(m.Sum(m.RequestDurationSeconds), counter(90), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamFalse),
		s(m.Count(m.RequestDurationSeconds), counter(100), m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamFalse),
		s(m.TokensTotal, counter(20000), m.LabelTokenType, m.TokenInput),
		s(m.TokensTotal, counter(5000), m.LabelTokenType, m.TokenOutput),
		s(m.TokensTotal, counter(25000), m.LabelTokenType, m.TokenTotal),
		// The backend records cached input and reasoning for every model,
		// 0 when the usage has none.
		s(m.TokensTotal, counter(8000), m.LabelTokenType, m.TokenCachedInput),
		s(m.TokensTotal, counter(0), m.LabelTokenType, m.TokenReasoning),
		s(m.RateLimitRequestsRemaining, gauge(4000), m.LabelLimitType, m.LimitRequests),
		s(m.RateLimitRequestsLimit, gauge(5000), m.LabelLimitType, m.LimitRequests),
		s(m.RateLimitRequestsResetSeconds, gauge(12), m.LabelLimitType, m.LimitRequests),
		s(m.RateLimitTokensRemaining, gauge(150000), m.LabelLimitType, m.LimitTokens),
		s(m.RateLimitTokensLimit, gauge(200000), m.LabelLimitType, m.LimitTokens),
		s(m.RateLimitTokensResetSeconds, gauge(6), m.LabelLimitType, m.LimitTokens),
	)
	return append(out, apiTraffic(minutes)...)
}

// apiTraffic is the API's own histogram for the same 30 minutes: health
// checks, chat answers, the client errors of bad input and of OpenAI's rate
// limit, and the server errors of OpenAI's other failures.
func apiTraffic(minutes int) []string {
	var out []string
	answers := []struct {
		route, code string
		perMinute   int
	}{
		{m.HTTPRouteHealth, "200", 12},
		{m.HTTPRouteChat, "200", 100},
		{m.HTTPRouteChat, "400", 1},
		{m.HTTPRouteChat, "429", 1},
		{m.HTTPRouteChat, "502", 1},
		{m.HTTPRouteChat, "503", 1},
	}
	for _, a := range answers {
		labels := fmt.Sprintf(`%s="scanium/backend",%s="backend-1",%s=%q,%s="POST",%s=%q`,
			m.LabelJob, m.LabelInstance, m.LabelHTTPRoute, a.route, m.LabelHTTPRequestMethod, m.LabelHTTPResponseStatusCode, a.code)
		values := fmt.Sprintf("0+%dx%d", a.perMinute, minutes)
		for _, le := range []string{"0.5", "2", "+Inf"} {
			out = append(out, m.Bucket(m.HTTPServerRequestDurationSeconds)+"{"+labels+`,`+m.LabelBucket+`="`+le+`"} `+values)
		}
		out = append(out, m.Count(m.HTTPServerRequestDurationSeconds)+"{"+labels+"} "+values)
	}
	return out
}

// samples runs every query as an instant query at minute at of series
// sampled every minute from time 0.
func samples(t *testing.T, qs []queries.Query, series []string, at int) map[string]int {
	t.Helper()
	// The billing exporter's series start a day after the backend's.
	storage := alerttest.Storage(t, series...)
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	ts := time.Unix(0, 0).Add(time.Duration(at) * time.Minute)
	out := map[string]int{}
	for _, q := range qs {
		query, err := engine.NewInstantQuery(context.Background(), storage, nil, q.Expr, ts)
		if err != nil {
			t.Fatalf("%s: %v", q.Source, err)
		}
		res := query.Exec(context.Background())
		if res.Err != nil {
			t.Fatalf("%s: %v", q.Source, res.Err)
		}
		n := 0
		switch v := res.Value.(type) {
		case promql.Vector:
			n = len(v)
		case promql.Matrix:
			n = len(v)
		case promql.Scalar:
			n = 1
		}
		out[q.Source.String()] = n
		query.Close()
	}
	return out
}

func TestExpectData(t *testing.T) {
	qs, err := queries.Load(generated())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("after traffic of a priced model", func(t *testing.T) {
		got := samples(t, qs, healthyTraffic("gpt-4o-mini", 30), 30)
		for _, q := range qs {
			if n := got[q.Source.String()]; (n > 0) != q.ExpectData {
				t.Errorf("%s returns %d samples, ExpectData %v: %s", q.Source, n, q.ExpectData, q.Expr)
			}
		}
	})
	t.Run("after traffic of an unpriced model", func(t *testing.T) {
		got := samples(t, qs, healthyTraffic("gpt-9-preview", 30), 30)
		for _, q := range qs {
			if !q.ExpectData && !q.Billing && got[q.Source.String()] == 0 {
				t.Errorf("%s returns nothing for an unpriced model: %s", q.Source, q.Expr)
			}
		}
	})
}

// billOfDayZero is the billing exporter's gauges from minute from to minute
// to: the bill of day 0 (whose 00:00 UTC is the epoch), with the Usage API's
// tokens of a model under its dated snapshot's name.
func billOfDayZero(model string, from, to int) []string {
	s := func(metric string, v float64, pairs ...string) string {
		pairs = append([]string{m.LabelJob, "scanium/openai-billing", m.LabelInstance, "billing-1"}, pairs...)
		var parts []string
		for i := 0; i+1 < len(pairs); i += 2 {
			parts = append(parts, fmt.Sprintf("%s=%q", pairs[i], pairs[i+1]))
		}
		return fmt.Sprintf("%s{%s} _x%d %gx%d", metric, strings.Join(parts, ","), from, v, to-from)
	}
	out := []string{s(m.BilledDayStartTimestampSeconds, 0), s(m.BilledCostUSD, 12), s(m.BilledRequests, 140000, m.LabelModel, model+"-2024-07-18")}
	for _, tokenType := range m.BilledTokenTypes() {
		out = append(out, s(m.BilledTokens, 1e7, m.LabelModel, model+"-2024-07-18", m.LabelTokenType, tokenType))
	}
	return out
}

func TestBillingQueries(t *testing.T) {
	qs, err := queries.Load(generated())
	if err != nil {
		t.Fatal(err)
	}
	// The queries that read the billing exporter's series: the Cost row's
	// reconciliation panels and OpenAIBillingMismatch.
	billing := map[string]bool{}
	for _, q := range qs {
		if q.Billing {
			billing[q.Source.Kind.String()+" "+q.Source.Title] = true
			if q.ExpectData {
				t.Errorf("%s reads the optional billing exporter's series but expects data", q.Source)
			}
		}
	}
	want := map[string]bool{
		"panel Estimated vs billed, last complete UTC day":      true,
		"panel Estimate vs bill gap %, last complete UTC day":   true,
		"panel Billed vs counted tokens, last complete UTC day": true,
		"rule OpenAIBillingMismatch":                            true,
	}
	if fmt.Sprint(billing) != fmt.Sprint(want) {
		t.Errorf("billing queries %v, want %v", billing, want)
	}

	// A day and 30 minutes of traffic, the bill of day 0 from 00:20 of
	// day 1: every billing query returns data at 00:30.
	day := 24 * 60
	got := samples(t, qs, append(healthyTraffic("gpt-4o-mini", day+30), billOfDayZero("gpt-4o-mini", day+20, day+30)...), day+30)
	for _, q := range qs {
		if q.Billing && got[q.Source.String()] == 0 {
			t.Errorf("%s returns nothing with the bill of the last complete day: %s", q.Source, q.Expr)
		}
	}
}
