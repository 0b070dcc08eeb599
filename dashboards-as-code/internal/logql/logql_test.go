package logql_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/logql"
)

func TestQuery(t *testing.T) {
	tests := []struct{ got, want string }{
		{logql.Backend().String(), `{service_name="scanium-backend"}`},
		{logql.Backend().SeverityIn(m.LogSeverityError).String(), `{service_name="scanium-backend"} | severity_text="ERROR"`},
		{logql.Backend().SeverityIn(m.LogSeverityError, m.LogSeverityWarn).String(), `{service_name="scanium-backend"} | severity_text=~"ERROR|WARN"`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestQueriesAreImmutable(t *testing.T) {
	base := logql.Backend()
	_ = base.SeverityIn(m.LogSeverityError)
	if base.String() != `{service_name="scanium-backend"}` {
		t.Errorf("deriving a query changed its base: %s", base)
	}
}
