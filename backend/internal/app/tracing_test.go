package app

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const (
	tracedOpenAIKey = "sk-traced-openai-key-8c41f09e"
	tracedMessage   = "Generate a listing title for this brass lamp, serial QX-2291"
	tracedTitle     = "Lamp of aunt Hilde"
	tracedBody      = `{"message": "` + tracedMessage + `", "items": [{"itemId": "lamp-1", "currentTitle": "` + tracedTitle + `"}]}`
)

// tracedCall is one chat request sent to the backend and what came back.
type tracedCall struct {
	requestID   string
	traceparent string
	status      int
	reply       string
}

func sendTraced(t *testing.T, baseURL, requestID, traceparent string) tracedCall {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/api/assistant/chat", strings.NewReader(tracedBody))
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", requestID)
	if traceparent != "" {
		req.Header.Set("traceparent", traceparent)
	}
	resp, err := quickClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var answer struct {
		Reply string `json:"reply"`
	}
	_ = json.Unmarshal(body, &answer)
	return tracedCall{requestID: requestID, traceparent: traceparent, status: resp.StatusCode, reply: answer.Reply}
}

// TestTracesAndLogsOfChatRequests runs the backend against the simulator
// and an OTLP/HTTP receiver, and checks what it exported: per request a
// SERVER span and its CLIENT spans (one per OpenAI attempt), and the access
// log record with the server span's ids; no key and no text anywhere.
func TestTracesAndLogsOfChatRequests(t *testing.T) {
	sim, simURL := simtest.Start(t, openaisim.Config{APIKeys: []string{tracedOpenAIKey}})
	recv := otlptest.New(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": tracedOpenAIKey, "OPENAI_BASE_URL": simURL,
		"OPENAI_MAX_RETRIES": "2", "OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL, "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})

	const incomingTrace, incomingSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	ok := sendTraced(t, b.url, "req-ok", "00-"+incomingTrace+"-"+incomingSpan+"-01")
	if err := sim.Script(openaisim.Fault500); err != nil {
		t.Fatal(err)
	}
	retried := sendTraced(t, b.url, "req-retried", "")
	if err := sim.Script(openaisim.Fault401); err != nil {
		t.Fatal(err)
	}
	failed := sendTraced(t, b.url, "req-failed", "")
	if ok.status != 200 || retried.status != 200 || failed.status < 500 {
		t.Fatalf("statuses %d %d %d, want 200, 200 and a 5xx", ok.status, retried.status, failed.status)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, b.stdout)
	}
	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}

	spans, logs := recv.Spans(), recv.Logs()
	servers := otlptest.SpanNamed(spans, m.SpanChatRequest)
	clients := otlptest.SpanNamed(spans, m.ChatSpanName("gpt-4o-mini"))
	if len(servers) != 3 || len(clients) != 4 {
		t.Fatalf("%d server and %d client spans, want 3 and 4 (the retried call has two attempts)", len(servers), len(clients))
	}
	for _, tc := range []struct {
		call       tracedCall
		errorTypes []string // of each attempt, "" for a success
	}{
		{ok, []string{""}},
		{retried, []string{m.ErrorProviderUnavailable, ""}},
		{failed, []string{m.ErrorUnauthorized}},
	} {
		t.Run(tc.call.requestID, func(t *testing.T) {
			rec := accessRecord(t, logs, tc.call.requestID)
			server := spanByID(servers, rec.GetSpanId())
			if server == nil {
				t.Fatalf("the access log record's span %x is no server span", rec.GetSpanId())
			}
			if server.GetKind() != tracepb.Span_SPAN_KIND_SERVER || otlptest.Hex(rec.GetTraceId()) != otlptest.Hex(server.GetTraceId()) {
				t.Errorf("server span kind %v; log record trace %x, span's %x", server.GetKind(), rec.GetTraceId(), server.GetTraceId())
			}
			if tc.call.traceparent != "" && (otlptest.Hex(server.GetTraceId()) != incomingTrace || otlptest.Hex(server.GetParentSpanId()) != incomingSpan) {
				t.Errorf("server span trace %x parent %x: the incoming traceparent is not continued", server.GetTraceId(), server.GetParentSpanId())
			}
			if got := otlptest.Int(server.GetAttributes(), "http.response.status_code"); got != int64(tc.call.status) {
				t.Errorf("server span status code %d, want %d", got, tc.call.status)
			}
			wantSeverity := logpb.SeverityNumber_SEVERITY_NUMBER_INFO
			if tc.call.status >= 500 {
				wantSeverity = logpb.SeverityNumber_SEVERITY_NUMBER_ERROR
			}
			if rec.GetSeverityNumber() != wantSeverity {
				t.Errorf("log record severity %v, want %v", rec.GetSeverityNumber(), wantSeverity)
			}

			attempts := childrenOf(clients, server)
			if len(attempts) != len(tc.errorTypes) {
				t.Fatalf("%d client spans under the server span, want %d", len(attempts), len(tc.errorTypes))
			}
			for i, span := range attempts {
				a := span.GetAttributes()
				if got := otlptest.Int(a, m.AttrOpenAIAttemptNumber); got != int64(i+1) {
					t.Errorf("attempt %d: %s = %d", i+1, m.AttrOpenAIAttemptNumber, got)
				}
				if got := otlptest.Str(a, m.AttrErrorType); got != tc.errorTypes[i] {
					t.Errorf("attempt %d: %s = %q, want %q", i+1, m.AttrErrorType, got, tc.errorTypes[i])
				}
				isError := span.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR
				if isError != (tc.errorTypes[i] != "") {
					t.Errorf("attempt %d: status %v", i+1, span.GetStatus())
				}
			}
			last := attempts[len(attempts)-1]
			openAIID := otlptest.Str(last.GetAttributes(), m.AttrOpenAIRequestID)
			if openAIID == "" || otlptest.Str(rec.GetAttributes(), m.LogFieldOpenAIRequestID) != openAIID {
				t.Errorf("log record's %s %q, last attempt span's %s %q", m.LogFieldOpenAIRequestID,
					otlptest.Str(rec.GetAttributes(), m.LogFieldOpenAIRequestID), m.AttrOpenAIRequestID, openAIID)
			}
		})
	}

	never := []string{tracedOpenAIKey, clientKey, tracedMessage, tracedTitle, "Bearer"}
	for _, c := range []tracedCall{ok, retried} {
		if c.reply == "" {
			t.Fatal("a successful call has no reply")
		}
		never = append(never, c.reply)
	}
	for _, s := range never {
		if recv.RawContains(s) {
			t.Errorf("an exported span or log record holds %.40q", s)
		}
	}
	if !strings.Contains(b.stdout.String(), `"request_id":"req-ok"`) {
		t.Errorf("the access log is not on stdout:\n%s", b.stdout)
	}
}

// accessRecord is the access log record of the request with this id.
func accessRecord(t *testing.T, logs []*logpb.LogRecord, requestID string) *logpb.LogRecord {
	t.Helper()
	var found []*logpb.LogRecord
	for _, rec := range logs {
		if rec.GetBody().GetStringValue() == m.LogMessageRequest && otlptest.Str(rec.GetAttributes(), m.LogFieldRequestID) == requestID {
			found = append(found, rec)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d access log records with %s %s, want 1", len(found), m.LogFieldRequestID, requestID)
	}
	return found[0]
}

func spanByID(spans []*tracepb.Span, id []byte) *tracepb.Span {
	for _, s := range spans {
		if otlptest.Hex(s.GetSpanId()) == otlptest.Hex(id) {
			return s
		}
	}
	return nil
}

// childrenOf returns the spans whose parent is parent, by attempt number.
func childrenOf(spans []*tracepb.Span, parent *tracepb.Span) []*tracepb.Span {
	var out []*tracepb.Span
	for _, s := range spans {
		if otlptest.Hex(s.GetParentSpanId()) == otlptest.Hex(parent.GetSpanId()) && otlptest.Hex(s.GetTraceId()) == otlptest.Hex(parent.GetTraceId()) {
			out = append(out, s)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && attemptOf(out[j]) < attemptOf(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func attemptOf(s *tracepb.Span) int64 {
	return otlptest.Int(s.GetAttributes(), m.AttrOpenAIAttemptNumber)
}

// Each signal turns off alone: with OTEL_TRACES_EXPORTER=none no span is
// exported and the access log records still are, without trace ids; with
// OTEL_LOGS_EXPORTER=none no log record is exported and stdout is as ever.
func TestTracesAndLogsTurnOffAlone(t *testing.T) {
	_, simURL := simtest.Start(t, openaisim.Config{})
	for _, off := range []string{"OTEL_TRACES_EXPORTER", "OTEL_LOGS_EXPORTER"} {
		t.Run(off, func(t *testing.T) {
			recv := otlptest.New(t)
			b := startBackend(t, map[string]string{
				"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": tracedOpenAIKey, "OPENAI_BASE_URL": simURL,
				"OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL, "OTEL_METRIC_EXPORT_INTERVAL": "3600000", off: "none",
			})
			if c := sendTraced(t, b.url, "req-"+off, ""); c.status != 200 {
				t.Fatalf("status %d", c.status)
			}
			if code := b.stop(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
			if !strings.Contains(b.stdout.String(), `"request_id":"req-`+off+`"`) {
				t.Errorf("no access log line on stdout:\n%s", b.stdout)
			}
			traces, logs := recv.Requests("/v1/traces"), recv.Requests("/v1/logs")
			switch off {
			case "OTEL_TRACES_EXPORTER":
				rec := accessRecord(t, recv.Logs(), "req-"+off)
				if traces != 0 || len(rec.GetTraceId()) != 0 {
					t.Errorf("%d trace exports, log record trace %x: want none", traces, rec.GetTraceId())
				}
			case "OTEL_LOGS_EXPORTER":
				if logs != 0 || traces == 0 {
					t.Errorf("%d log and %d trace exports, want none and some", logs, traces)
				}
			}
		})
	}
}
