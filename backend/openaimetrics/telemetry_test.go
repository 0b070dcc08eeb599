package openaimetrics_test

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"log/slog"
	"slices"
	"strings"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// The severity texts are slog's level names: the OTLP log bridge sets a
// record's severity text from its level.
func TestLogSeveritiesAreSlogLevels(t *testing.T) {
	levels := map[string]slog.Level{
		m.LogSeverityDebug: slog.LevelDebug, m.LogSeverityInfo: slog.LevelInfo,
		m.LogSeverityWarn: slog.LevelWarn, m.LogSeverityError: slog.LevelError,
	}
	for text, level := range levels {
		if level.String() != text {
			t.Errorf("%s: slog names the level %s", text, level)
		}
	}
	if len(m.LogSeverities()) != len(levels) {
		t.Errorf("LogSeverities %v, want the %d levels", m.LogSeverities(), len(levels))
	}
}

func TestTelemetryListsHoldNoDuplicate(t *testing.T) {
	for name, list := range map[string][]string{"LogFields": m.LogFields(), "SpanAttributes": m.SpanAttributes()} {
		sorted := slices.Sorted(slices.Values(list))
		if len(slices.Compact(sorted)) != len(list) {
			t.Errorf("%s holds a key twice: %v", name, list)
		}
	}
}

// declared returns the values of the constants of telemetry.go whose names
// start with prefix.
func declared(t *testing.T, prefix string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "telemetry.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, prefix) || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				out = append(out, constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0)))
			}
		}
	}
	return out
}

// The lists the dashboards' checks read name every key declared.
func TestTelemetryListsAreComplete(t *testing.T) {
	for prefix, list := range map[string][]string{"LogField": m.LogFields(), "Attr": m.SpanAttributes()} {
		want := declared(t, prefix)
		if len(want) == 0 {
			t.Fatalf("no %s constants found", prefix)
		}
		if !slices.Equal(slices.Sorted(slices.Values(want)), slices.Sorted(slices.Values(list))) {
			t.Errorf("%s constants %v, list %v", prefix, want, list)
		}
	}
}
