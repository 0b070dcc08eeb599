package alerttest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
)

// Result is the outcome of one evaluation of a rule's condition.
type Result struct {
	// NoData is true when the query returned no series at all.
	NoData bool
	// Err is set when the query failed.
	Err error
	// Instances maps each series' labels ({model="gpt-4o-mini"}) to its
	// outcome.
	Instances map[string]Instance
}

// Instance is the condition of one series.
type Instance struct {
	// Value is the reduced value, nil when the reduce dropped it (NaN with
	// dropNN).
	Value *float64
	// Firing is the threshold's verdict; meaningless when Value is nil.
	Firing bool
}

// Evaluate runs the rule's query as an instant query at ts and applies the
// reduce and threshold expressions to each series, as Grafana does.
func (r Rule) Evaluate(ctx context.Context, engine promql.QueryEngine, q storage.Queryable, ts time.Time) Result {
	query, err := engine.NewInstantQuery(ctx, q, nil, r.Expr, ts)
	if err != nil {
		return Result{Err: fmt.Errorf("prepare %q: %w", r.Expr, err)}
	}
	defer query.Close()
	res := query.Exec(ctx)
	if res.Err != nil {
		return Result{Err: fmt.Errorf("evaluate %q: %w", r.Expr, res.Err)}
	}
	out := Result{Instances: map[string]Instance{}}
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			out.Instances[s.Metric.DropMetricName().String()] = r.condition(s.F)
		}
	case promql.Scalar:
		out.Instances["{}"] = r.condition(v.V)
	default:
		return Result{Err: fmt.Errorf("evaluate %q: %s result, want a vector", r.Expr, res.Value.Type())}
	}
	out.NoData = len(out.Instances) == 0
	return out
}

// condition reduces an instant sample (a series of one point) and applies
// the threshold.
func (r Rule) condition(sample float64) Instance {
	v := r.reduce(sample)
	if v == nil {
		return Instance{}
	}
	return Instance{Value: v, Firing: r.compare(*v)}
}

// reduce follows Grafana's reduce of a one-point series: every reducer yields
// the point; the mode decides what NaN and Inf become.
func (r Rule) reduce(sample float64) *float64 {
	if r.reducer == "count" {
		one := 1.0
		return &one
	}
	nonNumber := math.IsNaN(sample) || math.IsInf(sample, 0)
	switch {
	case nonNumber && r.reduceMode == "dropNN":
		return nil
	case nonNumber && r.reduceMode == "replaceNN":
		v := r.replaceNN
		return &v
	}
	return &sample
}

// compare is Grafana's threshold predicate.
func (r Rule) compare(v float64) bool {
	p := append(slices.Clone(r.params), 0, 0)
	switch r.threshold {
	case "gt":
		return v > p[0]
	case "lt":
		return v < p[0]
	case "gte":
		return v >= p[0]
	case "lte":
		return v <= p[0]
	case "eq":
		return v == p[0]
	case "ne":
		return v != p[0]
	case "within_range":
		return v > p[0] && v < p[1]
	case "outside_range":
		return v < p[0] || v > p[1]
	case "within_range_included":
		return v >= p[0] && v <= p[1]
	case "outside_range_included":
		return v <= p[0] || v >= p[1]
	}
	return false
}
