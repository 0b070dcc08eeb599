package config

import (
	"log/slog"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// vars declares every setting the backend reads: its variable, default,
// doc and parser. Load reads them, Settings lists them for the help.
type vars struct {
	port, appEnv, model, serviceName               envconfig.Var[string]
	baseURL, endpoint, metricsEndpoint             envconfig.Var[string]
	tracesEndpoint, logsEndpoint                   envconfig.Var[string]
	tracesExporter, logsExporter, sampler          envconfig.Var[string]
	samplerArg                                     envconfig.Var[string]
	apiKeys                                        envconfig.Var[[]Secret]
	openAIKey                                      envconfig.Var[Secret]
	logLevel                                       envconfig.Var[slog.Level]
	openAITimeout, shutdownTimeout                 envconfig.Var[time.Duration]
	exportInterval, exportTimeout, metricsTimeout  envconfig.Var[time.Duration]
	maxRetries, inFlight, connections, headerBytes envconfig.Var[int]
	maxResponse                                    envconfig.Var[int64]
	otelEnabled, sdkDisabled, captureContent       envconfig.Var[bool]
}

func declare() vars {
	str := envconfig.String()
	return vars{
		port: envconfig.Var[string]{Env: EnvPort, Default: DefaultPort, Parser: envconfig.Port(),
			Doc: "TCP port the HTTP server listens on"},
		apiKeys: envconfig.Var[[]Secret]{Env: EnvAPIKeys, Parser: envconfig.List(envconfig.Secret()),
			Doc: "required: comma-separated keys clients present as Bearer tokens"},
		appEnv: envconfig.Var[string]{Env: EnvAppEnv, Default: DefaultEnvironment, Parser: str,
			Doc: "name of the deployment (deployment.environment.name)"},
		logLevel: envconfig.Var[slog.Level]{Env: EnvLogLevel, Default: slog.LevelInfo, Parser: envconfig.LogLevel(),
			Doc: "debug, info, warn or error"},
		openAIKey: envconfig.Var[Secret]{Env: EnvOpenAIKey, Parser: envconfig.Secret(),
			Doc: "OpenAI API key; unset, the backend answers through its built-in OpenAI simulator"},
		model: envconfig.Var[string]{Env: EnvOpenAIModel, Default: DefaultOpenAIModel, Parser: str,
			Doc: "chat model asked for, and the model label of the OpenAI metrics"},
		baseURL: envconfig.Var[string]{Env: EnvOpenAIBaseURL, Default: DefaultOpenAIBaseURL,
			Parser: trimmedURL(envconfig.HTTPURL("set the API's base URL, e.g. " + DefaultOpenAIBaseURL)),
			Doc:    "base URL of the OpenAI API (another server needs OPENAI_API_KEY set)"},
		openAITimeout: envconfig.Var[time.Duration]{Env: EnvOpenAITimeout, Default: DefaultOpenAITimeout,
			Parser: envconfig.Duration(minimumOpenAITimeout), Doc: "bound of one chat call, retries included"},
		maxRetries: envconfig.Var[int]{Env: EnvOpenAIMaxRetries, Default: DefaultMaxRetries,
			Parser: envconfig.Int(0, maxRetriesUpperBound, "a retry count"),
			Doc:    "retries of a failed OpenAI call (429, 5xx, connection errors)"},
		maxResponse: envconfig.Var[int64]{Env: EnvOpenAIMaxResponse, Default: DefaultOpenAIMaxResponseBytes,
			Parser: envconfig.Int[int64](minimumMaxResponseBytes, maximumMaxResponseBytes, "a size in bytes"),
			Doc:    "bound of one OpenAI answer as read, after decompression"},
		otelEnabled: envconfig.Var[bool]{Env: EnvOTelEnabled, Default: true, Parser: envconfig.Bool(),
			Doc: "export metrics, traces and logs over OTLP/HTTP"},
		sdkDisabled: envconfig.Var[bool]{Env: EnvOTelSDKDisabled, Default: false, Parser: envconfig.Bool(),
			Doc: "true turns telemetry off, as OTEL_ENABLED=false does"},
		serviceName: envconfig.Var[string]{Env: EnvOTelServiceName, Default: DefaultServiceName, Parser: str,
			Doc: "service.name of the telemetry, and so the job label"},
		endpoint: envconfig.Var[string]{Env: EnvOTLPEndpoint, Default: DefaultOTLPEndpoint,
			Parser: envconfig.HTTPURL("set the OTLP/HTTP endpoint, e.g. http://scanium-alloy:4318"),
			Doc:    "OTLP/HTTP base endpoint; /v1/metrics, /v1/traces and /v1/logs are appended"},
		metricsEndpoint: envconfig.Var[string]{Env: EnvOTLPMetricsEndpoint, DefaultDoc: EnvOTLPEndpoint + " + " + otlpMetricsPath,
			Parser: envconfig.HTTPURL("set the OTLP/HTTP endpoint, e.g. http://scanium-alloy:4318"),
			Doc:    "full URL metrics are posted to, used as is"},
		tracesEndpoint: envconfig.Var[string]{Env: EnvOTLPTracesEndpoint, DefaultDoc: EnvOTLPEndpoint + " + " + otlpTracesPath,
			Parser: envconfig.HTTPURL("set the OTLP/HTTP endpoint of the signal, e.g. http://scanium-alloy:4318" + otlpTracesPath),
			Doc:    "full URL spans are posted to, used as is"},
		logsEndpoint: envconfig.Var[string]{Env: EnvOTLPLogsEndpoint, DefaultDoc: EnvOTLPEndpoint + " + " + otlpLogsPath,
			Parser: envconfig.HTTPURL("set the OTLP/HTTP endpoint of the signal, e.g. http://scanium-alloy:4318" + otlpLogsPath),
			Doc:    "full URL log records are posted to, used as is"},
		exportInterval: envconfig.Var[time.Duration]{Env: EnvMetricExportInterval, Default: DefaultExportInterval,
			Parser: envconfig.Milliseconds(minimumExportInterval, maximumExportInterval),
			Doc:    "milliseconds between two exports of the metrics"},
		exportTimeout: envconfig.Var[time.Duration]{Env: EnvOTLPTimeout, Default: DefaultExportTimeout,
			Parser: envconfig.Milliseconds(minimumExportTimeout, maximumExportTimeout),
			Doc:    "milliseconds one export of any signal may take, retries included; also the final export's budget"},
		metricsTimeout: envconfig.Var[time.Duration]{Env: EnvOTLPMetricsTimeout, DefaultDoc: EnvOTLPTimeout,
			Parser: envconfig.Milliseconds(minimumExportTimeout, maximumExportTimeout),
			Doc:    "replaces OTEL_EXPORTER_OTLP_TIMEOUT when set"},
		tracesExporter: envconfig.Var[string]{Env: EnvTracesExporter, Default: ExporterOTLP, Parser: str,
			Doc: "otlp, or none to export no spans"},
		logsExporter: envconfig.Var[string]{Env: EnvLogsExporter, Default: ExporterOTLP, Parser: str,
			Doc: "otlp, or none to export no log records"},
		sampler: envconfig.Var[string]{Env: EnvTracesSampler, Default: DefaultTracesSampler, Parser: str,
			Doc: "parentbased_always_on, parentbased_always_off, parentbased_traceidratio, always_on, always_off or traceidratio"},
		samplerArg: envconfig.Var[string]{Env: EnvTracesSamplerArg, Default: "1", Parser: str,
			Doc: "share of traces the ratio samplers record, from 0 to 1"},
		captureContent: envconfig.Var[bool]{Env: EnvCaptureMessageContent, Default: false, Parser: envconfig.Bool(),
			Doc: "put the chat messages and the reply, cut to a bounded size, on the OpenAI spans"},
		shutdownTimeout: envconfig.Var[time.Duration]{Env: EnvShutdownTimeout, Default: DefaultShutdownTimeout,
			Parser: envconfig.Duration(-1 << 63),
			Doc:    "budget of a shutdown: the drain of in-flight requests, then the final export"},
		inFlight: envconfig.Var[int]{Env: EnvMaxInFlightRequests, Default: DefaultMaxInFlightRequests,
			Parser: envconfig.Int(1, maximumInFlightRequests, "a number of requests"),
			Doc:    "chat requests handled at once; more are refused with 503"},
		connections: envconfig.Var[int]{Env: EnvMaxConnections, Default: DefaultMaxConnections,
			Parser: envconfig.Int(2, maximumConnections, "a number of connections"),
			Doc:    "client connections open at once, above MAX_IN_FLIGHT_REQUESTS"},
		headerBytes: envconfig.Var[int]{Env: EnvMaxHeaderBytes, Default: DefaultMaxHeaderBytes,
			Parser: envconfig.Int(minimumMaxHeaderBytes, maximumMaxHeaderBytes, "a number of bytes"),
			Doc:    "bound of a request's header"},
	}
}

// Settings lists every setting Load reads, in the order of the help: its
// variable, default and doc.
func Settings() []envconfig.Setting {
	v := declare()
	return []envconfig.Setting{
		v.port.Setting(), v.apiKeys.Setting(), v.appEnv.Setting(), v.logLevel.Setting(),
		v.openAIKey.Setting(), v.model.Setting(), v.baseURL.Setting(), v.openAITimeout.Setting(),
		v.maxRetries.Setting(), v.maxResponse.Setting(),
		v.inFlight.Setting(), v.connections.Setting(), v.headerBytes.Setting(), v.shutdownTimeout.Setting(),
		v.otelEnabled.Setting(), v.sdkDisabled.Setting(), v.serviceName.Setting(),
		v.endpoint.Setting(), v.metricsEndpoint.Setting(), v.tracesEndpoint.Setting(), v.logsEndpoint.Setting(),
		v.exportInterval.Setting(), v.exportTimeout.Setting(), v.metricsTimeout.Setting(),
		v.tracesExporter.Setting(), v.logsExporter.Setting(), v.sampler.Setting(), v.samplerArg.Setting(),
		v.captureContent.Setting(),
	}
}

// trimmedURL is p for a URL given without its trailing slashes.
func trimmedURL(p envconfig.Parser[string]) envconfig.Parser[string] {
	return envconfig.Parser[string]{Parse: func(raw, def string) (string, error) {
		return p.Parse(strings.TrimRight(raw, "/"), def)
	}}
}
