package telemetry

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
)

// A record's OTLP attributes hold each key once, whichever of the two
// loggers of the log pipeline took it: a record that repeats no key (the
// access log) keeps all its attributes; one that repeats a key, directly or
// through Logger.With, keeps the last value, as the SDK's deduplication
// keeps it.
func TestLogRecordsHoldEachKeyOnce(t *testing.T) {
	recv := otlptest.New(t)
	tel, err := Setup(context.Background(), loadConfig(t, config.EnvOTLPEndpoint, recv.URL), Info{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(tel.LogHandler(slog.NewJSONHandler(io.Discard, nil), slog.LevelInfo))
	logger.Info("distinct", "a", "1", "b", 2, "c", 3.5, "d", true, "e", "5", "f", "6", "g", "7")
	logger.Info("repeated", "a", "1", "b", 2, "a", "last")
	logger.With("a", "1", "b", 2).Info("with", "a", "last")
	logger.Info("grouped", slog.Group("g", "a", "1", "a", "last"), "b", 2)
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string][]string{
		"distinct": {"a", "b", "c", "d", "e", "f", "g"},
		"repeated": {"a", "b"},
		"with":     {"a", "b"},
		"grouped":  {"b", "g"},
	}
	logs := recv.Logs()
	if len(logs) != len(want) {
		t.Fatalf("%d log records, want %d", len(logs), len(want))
	}
	for _, rec := range logs {
		msg := rec.GetBody().GetStringValue()
		var keys []string
		for _, kv := range rec.GetAttributes() {
			keys = append(keys, kv.GetKey())
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want[msg]) {
			t.Errorf("record %q: keys %v, want %v", msg, keys, want[msg])
		}
		if (msg == "repeated" || msg == "with") && otlptest.Str(rec.GetAttributes(), "a") != "last" {
			t.Errorf("record %q: a = %q, want the last value", msg, otlptest.Str(rec.GetAttributes(), "a"))
		}
	}
}

func TestDistinctKeys(t *testing.T) {
	for _, tc := range []struct {
		attrs []slog.Attr
		want  bool
	}{
		{nil, true},
		{[]slog.Attr{slog.String("a", "1"), slog.Int("b", 2)}, true},
		{[]slog.Attr{slog.String("a", "1"), slog.Int("a", 2)}, false},
		{[]slog.Attr{slog.Group("g", slog.String("a", "1"))}, false},
		{slices.Repeat([]slog.Attr{slog.String("", "")}, maxCheckedAttrs+1), false},
	} {
		var r slog.Record
		r.AddAttrs(tc.attrs...)
		if got := distinctKeys(r); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.attrs, got, tc.want)
		}
	}
}
