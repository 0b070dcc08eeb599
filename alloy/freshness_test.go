package alloy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	backendconfig "github.com/scanium/openai-monitoring/backend/config"
)

// freshnessBudget is the longest a request may take, at the shipped
// defaults, to be queryable in Mimir: the backend's export interval, then
// every wait of Alloy's metrics path (docs/deployment.md, "Freshness").
const freshnessBudget = 12 * time.Second

const batchProcessorPrefix = "otelcol.processor.batch."

// durationAttr reads a duration that the configuration must set itself;
// the components' defaults (batch 200ms, send deadline 5s) are not assumed.
func durationAttr(p *Pipeline, id string, path ...string) (time.Duration, error) {
	raw, err := p.StringAttr(id, path...)
	if err != nil {
		return 0, fmt.Errorf("%w: set it, the freshness budget counts it", err)
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, fmt.Errorf("component %s: %s = %q: %w", id, strings.Join(path, "."), raw, err)
	}
	return d, nil
}

// metricsWaits returns, for the metrics that the receiver takes in, every
// wait before remote_write sends them: the timeout of each batch processor
// on their way, and the queue's batch_send_deadline.
func metricsWaits(p *Pipeline, receiver, remoteWrite string) (map[string]time.Duration, error) {
	if !p.Reaches(receiver, remoteWrite, SignalMetrics) {
		return nil, fmt.Errorf("metrics from %s do not reach %s", receiver, remoteWrite)
	}
	waits := map[string]time.Duration{}
	for _, id := range p.Components() {
		if !strings.HasPrefix(id, batchProcessorPrefix) ||
			!p.Reaches(receiver, id, SignalMetrics) || !p.Reaches(id, remoteWrite, SignalMetrics) {
			continue
		}
		d, err := durationAttr(p, id, "timeout")
		if err != nil {
			return nil, err
		}
		waits[id+" timeout"] = d
	}
	d, err := durationAttr(p, remoteWrite, "endpoint", "queue_config", "batch_send_deadline")
	if err != nil {
		return nil, err
	}
	waits[remoteWrite+" batch_send_deadline"] = d
	return waits, nil
}

func TestDefaultsMakeARequestQueryableWithinTheFreshnessBudget(t *testing.T) {
	waits, err := metricsWaits(bundle(t), receiver, remoteWrite)
	if err != nil {
		t.Fatal(err)
	}
	worst := backendconfig.DefaultExportInterval
	parts := []string{fmt.Sprintf("backend export interval %s", backendconfig.DefaultExportInterval)}
	for _, what := range slices.Sorted(maps.Keys(waits)) {
		worst += waits[what]
		parts = append(parts, fmt.Sprintf("%s %s", what, waits[what]))
	}
	t.Logf("worst case %s = %s", worst, strings.Join(parts, " + "))
	if len(waits) < 2 {
		t.Errorf("metrics pass %d waits (%v), want a batch processor and the remote_write queue", len(waits), waits)
	}
	if worst > freshnessBudget {
		t.Errorf("a request may take %s to reach Mimir (%s), more than %s: shorten one of them", worst, strings.Join(parts, " + "), freshnessBudget)
	}
}

// slowPipeline has the components' old waits, and a second batch
// processor on the metrics path.
const slowPipeline = `
otelcol.receiver.otlp "in" {
  http { }
  output { metrics = [otelcol.processor.batch.a.input] }
}
otelcol.processor.batch "a" {
  timeout = "5s"
  output { metrics = [otelcol.processor.batch.b.input] }
}
otelcol.processor.batch "b" {
  timeout = "200ms"
  output { metrics = [otelcol.exporter.prometheus.p.input] }
}
otelcol.processor.batch "traces_only" {
  timeout = "30s"
  output { traces = [otelcol.exporter.prometheus.p.input] }
}
otelcol.exporter.prometheus "p" {
  forward_to = [prometheus.remote_write.out.receiver]
}
prometheus.remote_write "out" {
  endpoint {
    url = "http://mimir:9009/api/v1/push"
    queue_config {
      batch_send_deadline = "5s"
    }
  }
}
`

func TestMetricsWaitsCountsEveryBatchProcessorOnTheMetricsPath(t *testing.T) {
	p, err := Parse("slow.alloy", []byte(slowPipeline))
	if err != nil {
		t.Fatal(err)
	}
	waits, err := metricsWaits(p, "otelcol.receiver.otlp.in", "prometheus.remote_write.out")
	if err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	for _, d := range waits {
		sum += d
	}
	if len(waits) != 3 || sum != 5*time.Second+200*time.Millisecond+5*time.Second {
		t.Errorf("waits = %v, want batch a 5s, batch b 200ms and the 5s send deadline (not the traces-only batch)", waits)
	}
}

func TestMetricsWaitsRequiresTheWaitsToBeSet(t *testing.T) {
	for name, src := range map[string]string{
		"batch timeout unset":     strings.Replace(slowPipeline, `timeout = "5s"`, "", 1),
		"deadline unset":          strings.Replace(slowPipeline, `batch_send_deadline = "5s"`, "", 1),
		"deadline not a duration": strings.Replace(slowPipeline, `batch_send_deadline = "5s"`, `batch_send_deadline = "soon"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse("slow.alloy", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if waits, err := metricsWaits(p, "otelcol.receiver.otlp.in", "prometheus.remote_write.out"); err == nil {
				t.Errorf("metricsWaits = %v, want an error", waits)
			}
		})
	}
}
