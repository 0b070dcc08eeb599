package promexpr

import (
	"strconv"
	"strings"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// Reconciliation compares the estimate with what OpenAI billed for the last
// complete UTC day. At evaluation time t that is the day ending at the last
// midnight, M = t − t mod 86400: the day from M − 86400 to M.
//
// The estimate of that day is a subquery with a step of one day,
// last_over_time((spend over 1d)[1d:1d]): Prometheus aligns a subquery's
// steps to multiples of its step since the Unix epoch, so the one step in
// (t − 1d, t] is M, and the spend at M over 1d is exactly that day's.
//
// The bill is the billing exporter's gauges (openaimetrics.RecorderBilling),
// which describe one complete day: the one whose 00:00 UTC is the value of
// openaimetrics.BilledDayStartTimestampSeconds. They are read as their last
// value within a day, so that an exporter restart or a collector outage
// does not blank the comparison, and kept only for the exporter instances
// whose day is M − 86400. Another day (in the hours after midnight, before
// OpenAI's numbers for the new day have settled, the exporter still
// describes the day before) compares nothing. The exporter is optional:
// without its series every expression here reads nothing.

// day is the window and the subquery step of the reconciliation.
const day = 24 * time.Hour

// DayLookback is the longest range a reconciliation expression reads: a
// one-day window at a step up to one day back.
const DayLookback = 2 * day

// lastCompleteDayStart is the Unix time of 00:00 UTC of the last complete UTC
// day at the evaluation time, M − 86400.
func lastCompleteDayStart() string {
	secs := strconv.Itoa(int(day / time.Second))
	return "(time() - time() % " + secs + " - " + secs + ")"
}

// lastWithinDay is a gauge's last value within a day.
func lastWithinDay(s Selector) string {
	return "last_over_time(" + s.String() + "[" + string(Over(day)) + "])"
}

// exportersOfLastDay is the day start of each exporter instance whose bill
// is of the last complete day.
func exportersOfLastDay() string {
	return lastWithinDay(Series(m.BilledDayStartTimestampSeconds)) + " == " + lastCompleteDayStart()
}

// billed is a gauge of the bill, its last value within a day, of the
// exporter instances whose bill is of the last complete day.
func billed(s Selector) string {
	return lastWithinDay(s) + " and on (" + m.LabelJob + ", " + m.LabelInstance + ") (" + exportersOfLastDay() + ")"
}

// lastDayBilled is the Unix time of 00:00 UTC of the last complete UTC day
// when an exporter's bill is of that day; nothing otherwise.
func lastDayBilled() string { return aggregate("max", nil, exportersOfLastDay()) }

// LastDayBilledUSD is what OpenAI's Costs API billed for the last complete
// UTC day. Two exporter instances (replicas, or one before and after a
// restart) report the same bill: it counts once.
func LastDayBilledUSD() string { return aggregate("max", nil, billed(Series(m.BilledCostUSD))) }

// LastDaySpendUSD is the estimated spend of the last complete UTC day,
// SpendUSD over the day, whether or not there is a bill to compare it with.
func LastDaySpendUSD(prices []config.ModelPrice) string {
	return lastDay(SpendUSD(prices, AllModels(), Over(day)))
}

// LastDayEstimateUSD is LastDaySpendUSD where OpenAI's bill of the same day
// is there to compare it with, and 0 when the backend used no tokens that
// day (all the bill is then someone else's).
func LastDayEstimateUSD(prices []config.ModelPrice) string {
	bill := LastDayBilledUSD()
	return "((" + LastDaySpendUSD(prices) + " and " + bill + ") or 0 * " + bill + ")"
}

// LastDayGapPercent is how far the estimate of the last complete UTC day is
// from the bill, as a percentage of the bill: 100 × (estimate − billed) /
// billed, where the bill is above 0. Positive when the estimate is higher.
func LastDayGapPercent(prices []config.ModelPrice) string {
	bill := LastDayBilledUSD()
	return "100 * (" + LastDayEstimateUSD(prices) + " - " + bill + ") / (" + bill + " > 0)"
}

// byModelAndTokenType groups the token comparison.
func byModelAndTokenType() []string { return []string{m.LabelModel, m.LabelTokenType} }

// LastDayBilledTokens is the tokens OpenAI's Usage API counted for the last
// complete UTC day, by model and token type (input with cached included,
// cached_input, output). The Usage API names a model by its dated snapshot;
// its model label is normalised to the model (gpt-4o-mini for
// gpt-4o-mini-2024-07-18).
func LastDayBilledTokens() string {
	by := byModelAndTokenType()
	return byModelWithoutSnapshotDate(aggregate("max", by, billed(Series(m.BilledTokens))))
}

// LastDayObservedTokens is the tokens the backend counted in the last
// complete UTC day, by model (normalised as in LastDayBilledTokens) and the
// token types of the bill, where the bill of that day is there to compare
// them with.
func LastDayObservedTokens() string {
	by := byModelAndTokenType()
	observed := aggregate("sum", by, increase(Series(m.TokensTotal).In(m.LabelTokenType, m.BilledTokenTypes()...), Over(day)))
	return "(" + byModelWithoutSnapshotDate(lastDay(observed)) + " and on () " + lastDayBilled() + ")"
}

// LastDayTokenGapPercent is how far the backend's tokens of the last
// complete UTC day are from the Usage API's, by model and token type, as a
// percentage of the Usage API's: 100 × (observed − billed) / billed.
// Negative when OpenAI counted tokens the backend did not send.
func LastDayTokenGapPercent() string {
	bill := LastDayBilledTokens()
	return "100 * (" + LastDayObservedTokens() + " - " + bill + ") / (" + bill + " > 0)"
}

// lastDay evaluates an expression at the last midnight: the value at M of a
// subquery whose step is one day.
func lastDay(expr string) string {
	d := string(Over(day))
	return "last_over_time((" + expr + ")[" + d + ":" + d + "])"
}

// baseModel is a label that holds, for a while, the model label without the
// date of a dated snapshot.
const baseModel = "base_model"

// byModelWithoutSnapshotDate sums a vector by model and token type, the date
// of a dated snapshot's model label stripped: gpt-4o-mini-2024-07-18 counts
// as gpt-4o-mini, and so does gpt-4o-mini itself. The stripped name goes to
// a label of its own first: written over model, two series of one model
// (two snapshots, or the model and a snapshot) would collide, which
// label_replace refuses.
func byModelWithoutSnapshotDate(expr string) string {
	replace := func(expr, dst, src, regex string) string {
		return "label_replace(" + expr + ", " + strings.Join([]string{
			strconv.Quote(dst), strconv.Quote("$1"), strconv.Quote(src), strconv.Quote(regex),
		}, ", ") + ")"
	}
	bases := aggregate("sum", []string{baseModel, m.LabelTokenType}, replace(expr, baseModel, m.LabelModel, "(.+?)("+snapshotSuffix+")?"))
	return aggregate("sum", byModelAndTokenType(), replace(bases, m.LabelModel, baseModel, "(.+)"))
}
