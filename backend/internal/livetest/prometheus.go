package livetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Prometheus is a Prometheus 3 server with its OTLP receiver and its exemplar
// storage on (Mimir keeps exemplars too, once its limits allow them).
type Prometheus struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:9090.
	URL     string
	Process *Process
}

// OTLPEndpoint is the base OTLP/HTTP endpoint to give an OpenTelemetry SDK
// (OTEL_EXPORTER_OTLP_ENDPOINT): the SDK appends /v1/metrics.
func (p *Prometheus) OTLPEndpoint() string { return p.URL + "/api/v1/otlp" }

// prometheusConfig scrapes nothing: data arrives over OTLP only. The OTLP
// translation is Prometheus 3's default, the one Alloy's
// otelcol.exporter.prometheus applies too.
const prometheusConfig = `global:
  evaluation_interval: 15s
otlp:
  translation_strategy: UnderscoreEscapingWithSuffixes
`

// StartPrometheus starts Prometheus 3 on a free loopback port, with its own
// storage in the test's temporary directory, and waits until it is ready.
func StartPrometheus(t testing.TB) *Prometheus {
	t.Helper()
	bin := PrometheusBinary(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(prometheusConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(FreePort(t))
	p := Start(t, os.Environ(), bin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.enable-otlp-receiver",
		"--enable-feature=exemplar-storage",
		"--log.level=warn",
	)
	prom := &Prometheus{URL: "http://" + addr, Process: p}
	WaitHTTP(t, p, prom.URL+"/-/ready", 60*time.Second)
	return prom
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Metric map[string]string
	Value  float64
}

// Query runs an instant PromQL query now and returns its vector (a scalar
// answer is one sample without labels).
func (p *Prometheus) Query(ctx context.Context, expr string) ([]Sample, error) {
	return p.query(ctx, expr, url.Values{"query": {expr}})
}

// QueryAt runs an instant PromQL query evaluated at t, which may lie in the
// future: a query about a whole day can be asked as its end would see it.
func (p *Prometheus) QueryAt(ctx context.Context, expr string, t time.Time) ([]Sample, error) {
	at := strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
	return p.query(ctx, expr, url.Values{"query": {expr}, "time": {at}})
}

func (p *Prometheus) query(ctx context.Context, expr string, params url.Values) ([]Sample, error) {
	var body struct {
		apiStatus
		Data struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.get(ctx, "query", params, &body, &body.apiStatus); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	switch body.Data.ResultType {
	case "vector":
		var raw []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		out := make([]Sample, len(raw))
		for i, r := range raw {
			v, err := parseValue(r.Value[1])
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", expr, err)
			}
			out[i] = Sample{Metric: r.Metric, Value: v}
		}
		return out, nil
	case "scalar":
		var raw [2]any
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, err
		}
		v, err := parseValue(raw[1])
		if err != nil {
			return nil, err
		}
		return []Sample{{Value: v}}, nil
	default:
		return nil, fmt.Errorf("query %q: result type %s, want a vector or a scalar", expr, body.Data.ResultType)
	}
}

func parseValue(v any) (float64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("sample value %v is not a string", v)
	}
	return strconv.ParseFloat(s, 64)
}

// Exemplar is one exemplar of a series: its labels (trace_id and span_id
// for OpenTelemetry's) and value.
type Exemplar struct {
	Series map[string]string
	Labels map[string]string
	Value  float64
}

// QueryExemplars returns the exemplars of the series that expr selects, over
// the last hour.
func (p *Prometheus) QueryExemplars(ctx context.Context, expr string) ([]Exemplar, error) {
	now := time.Now()
	var body struct {
		apiStatus
		Data []struct {
			SeriesLabels map[string]string `json:"seriesLabels"`
			Exemplars    []struct {
				Labels map[string]string `json:"labels"`
				Value  string            `json:"value"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	params := url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
		"end":   {strconv.FormatInt(now.Add(time.Minute).Unix(), 10)},
	}
	if err := p.get(ctx, "query_exemplars", params, &body, &body.apiStatus); err != nil {
		return nil, fmt.Errorf("exemplars of %q: %w", expr, err)
	}
	var out []Exemplar
	for _, series := range body.Data {
		for _, e := range series.Exemplars {
			v, err := strconv.ParseFloat(e.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("exemplars of %q: value %q: %w", expr, e.Value, err)
			}
			out = append(out, Exemplar{Series: series.SeriesLabels, Labels: e.Labels, Value: v})
		}
	}
	return out, nil
}

// apiStatus is the envelope of every answer of Prometheus's HTTP API.
type apiStatus struct {
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorType string `json:"errorType"`
}

// get asks GET /api/v1/endpoint with params and decodes the answer into
// out, whose envelope is status; an answer that is not a success is an
// error.
func (p *Prometheus) get(ctx context.Context, endpoint string, params url.Values, out any, status *apiStatus) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/api/v1/"+endpoint+"?"+params.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode the answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if status.Status != "success" {
		return fmt.Errorf("%s: %s", status.ErrorType, status.Error)
	}
	return nil
}
