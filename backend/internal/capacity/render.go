package capacity

import (
	"fmt"
	"strings"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// DocFile is where Render's output is committed, relative to the
// repository root.
const DocFile = "docs/capacity.md"

// Scenarios are the deployments the document tabulates: the NAS's one
// backend, then replicas and models of a growing service.
var Scenarios = []struct{ Models, Replicas int }{
	{1, 1}, {1, 2}, {2, 2}, {3, 4}, {5, 10}, {10, 20},
}

// Inputs are what the document is computed from.
type Inputs struct {
	ExportInterval time.Duration
	CodesPerRoute  map[string]int
	Limits         Limits
	Request        PerRequest
}

// Render writes docs/capacity.md from the model.
func Render(in Inputs) (string, error) {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	nas := Deployment{Backends: 1, Models: 1, Billing: true, ExportInterval: in.ExportInterval, CodesPerRoute: in.CodesPerRoute}
	load, err := MetricsOf(nas)
	if err != nil {
		return "", err
	}
	head := HeadroomOf(nas, load, in.Limits, in.Request)

	w("# Capacity\n\n")
	w("<!-- Rendered by backend/internal/capacity from the metric contract and the stores' configurations;\n")
	w("     do not edit: run `go test ./backend/internal/capacity -run TestCapacityDoc -update`. -->\n\n")
	w("What the bundle puts in Mimir, Loki and Tempo, computed from the metric contract (`backend/openaimetrics`)\n")
	w("and from the limits in `mimir/mimir.yaml`, `%s` and `%s`. A new label value, bucket or\n", LokiConfig, TempoConfig)
	w("instrument changes these numbers; the live test checks the series count against what Prometheus 3 holds\n")
	w("after real traffic. The short version: **Mimir's load grows with backends and models, not with requests**\n")
	w("(every label is bounded); **Loki's and Tempo's grow with requests**.\n\n")

	w("## Series of one backend\n\n")
	w("One backend calls one model (`OPENAI_MODEL`). Once its calls have seen every outcome, it exports:\n\n")
	w("| series | kind | label combinations | series each | series |\n| --- | --- | ---: | ---: | ---: |\n")
	for _, i := range load.PerBackend {
		w("| `%s` | %s | %d | %d | %d |\n", i.Name, i.Kind, i.Points, SeriesPerPoint(i.Kind, i.Buckets), i.Series())
	}
	w("| **one backend** | | | | **%d** |\n\n", load.SeriesPerBackend)
	w("- A histogram's combination is %s: its buckets, `+Inf`, `_sum` and `_count`. The OpenAI duration\n", "one series per bucket bound plus three")
	w("  has %d bounds, the time to first token %d, the HTTP server duration %d.\n", len(m.DurationBuckets()), len(m.FirstTokenBuckets()), len(m.HTTPServerDurationBuckets()))
	w("- The requests counter reports every outcome from the first export, at 0 until counted (%d: success, each\n", len(Outcomes()))
	w("  error type and, streamed only, cancelled, for both values of `stream`); the histograms hold only the\n")
	w("  outcomes seen, so a quiet backend has fewer series than this table, never more.\n")
	w("- The HTTP server histogram counts status codes per route:")
	for _, route := range m.HTTPRoutes() {
		w(" `%s` %d,", route, in.CodesPerRoute[route])
	}
	w(" the codes each route answers (see the README's error codes).\n")
	w("- `target_info` is one series per process, its resource attributes.\n\n")

	w("The billing exporter (`--profile billing`) adds, for %d model:\n\n", nas.Models)
	w("| series | series |\n| --- | ---: |\n")
	for _, i := range load.Billing {
		w("| `%s` | %d |\n", i.Name, i.Series())
	}
	w("\n")

	w("## Deployments\n\n")
	w("Each sample is one series' value at one export, every `OTEL_METRIC_EXPORT_INTERVAL` (default %s).\n", in.ExportInterval)
	w("Disk is %d bytes per sample (the upper end of the 1 to 2 bytes per sample Prometheus's storage documentation\n", BytesPerSample)
	w("gives for its TSDB blocks, which Mimir writes too) over Mimir's retention of %s.\n\n", days(in.Limits.MimirRetention))
	w("| models | replicas each | backends | active series | samples/s | Mimir disk over %s |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n", days(in.Limits.MimirRetention))
	for _, s := range Scenarios {
		d := nas
		d.Models, d.Backends = s.Models, s.Models*s.Replicas
		l, err := MetricsOf(d)
		if err != nil {
			return "", err
		}
		h := HeadroomOf(d, l, in.Limits, in.Request)
		w("| %d | %d | %d | %d | %.0f | %s |\n", s.Models, s.Replicas, d.Backends, l.Series, l.SamplesPerSecond, bytes(h.MimirDiskBytes))
	}
	w("\nTempo's metrics generator writes its span metrics and service graph to Mimir as well: a few series per\n")
	w("span name and service pair, bounded the same way (span names are the route and `chat <model>`).\n\n")

	w("## Logs and traces per request\n\n")
	r := in.Request
	w("A chat request answered in one attempt sends %d spans (SERVER and CLIENT; each retry adds a CLIENT span) of at\n", r.Spans)
	w("most %d bytes each in OTLP, and %d log record(s) (the access line; failures add one per failed attempt) of at\n", r.SpanBytes, r.LogRecords)
	w("most %d bytes. The live test measures both on real requests. Per request per second, before compression:\n\n", r.LogRecordBytes)
	w("| store | bytes per request | per day at 1 request/s | retention | disk at 1 request/s |\n| --- | ---: | ---: | ---: | ---: |\n")
	w("| Loki | %d | %s | %s | %s |\n", r.LogBytesPerRequest(), bytes(float64(r.LogBytesPerRequest())*86400), days(in.Limits.LokiRetention), bytes(head.LokiDiskBytesPerReqPerSec))
	w("| Tempo | %d | %s | %s | %s |\n\n", r.SpanBytesPerRequest(), bytes(float64(r.SpanBytesPerRequest())*86400), days(in.Limits.TempoRetention), bytes(head.TempoDiskBytesPerReqPerSec))
	w("Both compress their blocks, so the disk they really use is a fraction of this.\n\n")

	w("## Where one NAS (2 cores, 8 GiB) meets the limits\n\n")
	w("| store | limit (configured) | reached at |\n| --- | --- | --- |\n")
	w("| Mimir | `max_global_series_per_user` %d, `ingestion_rate` %.0f samples/s | %d backends (%s first); never by request rate |\n",
		in.Limits.MimirSeries, in.Limits.MimirSamplesPerSec, head.MaxBackends, head.MimirBound)
	w("| Loki | `ingestion_rate_mb` %s/s | %.0f requests/s |\n", bytes(in.Limits.LokiBytesPerSec), head.LokiRequestsPerSec)
	tempoLimit := "`rate_limit_bytes`"
	if in.Limits.TempoDefaultLimit {
		tempoLimit = "Tempo's default ingestion limit"
	}
	w("| Tempo | %s %s/s | %.0f requests/s |\n\n", tempoLimit, bytes(in.Limits.TempoBytesPerSec), head.TempoRequestsPerSec)
	w("- Mimir: the NAS's one backend is %d samples/s. Mimir's capacity planning puts a distributor at one core\n", int(load.SamplesPerSecond+0.5))
	w("  and 1 GB per 25,000 samples/s, so the metrics path costs the NAS almost nothing, and the series limit,\n")
	w("  not the CPU, is what a growing fleet of backends meets first.\n")
	w("- Loki and Tempo: the request rates above are where their configured ingestion limits start refusing\n")
	w("  pushes (Alloy retries, then drops). Their CPU and memory at those rates on a 2-core NAS are not measured\n")
	w("  here (no container engine on the build machines); raise the limits only with the disk of the table above.\n")
	w("- Disk: at the NAS's default retentions, each sustained request per second costs about %s in Loki and %s\n",
		bytes(head.LokiDiskBytesPerReqPerSec), bytes(head.TempoDiskBytesPerReqPerSec))
	w("  in Tempo before compression; the metrics cost %s whatever the traffic.\n", bytes(head.MimirDiskBytes))
	return b.String(), nil
}

func days(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }

// bytes formats a size with binary units.
func bytes(n float64) string {
	const unit = 1024
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= unit && i < len(units)-1 {
		n /= unit
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
