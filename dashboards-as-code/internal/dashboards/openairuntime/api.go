package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// apiQuantile is the quantile of the API latency panel.
const apiQuantile = 0.95

// The API row reads the backend's own HTTP server histogram: every request
// the API answered, whatever became of its OpenAI calls. It has no model
// label, so $model does not apply.
func apiRow(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("API").Id(rowAPI)).
		WithPanel(apiRequestRateTimeseries()).
		WithPanel(apiLatencyByRouteTimeseries()).
		WithPanel(apiErrorsTimeseries(PanelAPIClientErrorsTimeseries, promexpr.ClientErrors,
			"400 is a request the API refused (a broken client), 401 a wrong or missing client key, 429 OpenAI's rate limit passed on, 404 an unknown path (route "+m.HTTPRouteUnmatched+")")).
		WithPanel(apiErrorsTimeseries(PanelAPIServerErrorsTimeseries, promexpr.ServerErrors,
			"502 is OpenAI rejecting the server's key or the request, 503 OpenAI unavailable or too slow, 500 the backend itself failing"))
}

func apiRequestRateTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelAPIRequestRateTimeseries).
		Title("API request rate by route and status code").
		Description("Requests per second the backend's API answered, by route and HTTP status code, health checks included, from its http.server.request.duration histogram. Not filtered by $model: the API's requests have no model.").
		WithTarget(prometheusQuery("A",
			promexpr.APIRequestRate(window, m.LabelHTTPRoute, m.LabelHTTPResponseStatusCode),
			legend(m.LabelHTTPRoute, m.LabelHTTPResponseStatusCode))).
		Unit(unitRequestsPerSecond)
}

func apiLatencyByRouteTimeseries() *timeseries.PanelBuilder {
	name := promexpr.PercentileName(apiQuantile)
	return defaultTimeseries().
		Id(PanelAPILatencyByRouteTimeseries).
		Title("API " + name + " latency by route").
		Description(name + " duration of the backend's API requests by route, from receiving the request to the end of the answer; a chat request includes its OpenAI calls and their retries.").
		WithTarget(prometheusQuery("A",
			promexpr.APILatencyQuantile(apiQuantile, window, m.LabelHTTPRoute),
			legend(m.LabelHTTPRoute))).
		Unit(unitSeconds)
}

func apiErrorsTimeseries(id uint32, class promexpr.StatusClass, meaning string) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(id).
		Title("API " + class.Name() + " answers by status code").
		Description(fmt.Sprintf("%s answers per second of the backend's API, by status code and route, each code its own line: %s.", class.Name(), meaning)).
		WithTarget(prometheusQuery("A",
			promexpr.APIResponseRate(class, window, m.LabelHTTPResponseStatusCode, m.LabelHTTPRoute),
			legend(m.LabelHTTPResponseStatusCode, m.LabelHTTPRoute))).
		Unit(unitRequestsPerSecond)
}
