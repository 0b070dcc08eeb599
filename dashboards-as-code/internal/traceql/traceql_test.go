package traceql_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/traceql"
)

func TestSpanSet(t *testing.T) {
	calls := `{resource.service.name="scanium-backend" && span.gen_ai.provider.name="openai"`
	tests := []struct{ got, want string }{
		{traceql.OpenAICalls().String(), calls + `}`},
		{traceql.OpenAICalls().Failed().String(), calls + ` && status=error}`},
		{traceql.OpenAICalls().Failed().Select(m.AttrGenAIRequestModel, m.AttrErrorType).String(),
			calls + ` && status=error} | select(span.gen_ai.request.model, span.error.type)`},
		{traceql.OpenAICalls().SlowerThan(5).String(), calls + ` && duration>5s}`},
		{traceql.OpenAICalls().SlowerThan(2.5).Select(m.AttrGenAIRequestModel).String(),
			calls + ` && duration>2500ms} | select(span.gen_ai.request.model)`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestSpanSetsAreImmutable(t *testing.T) {
	base := traceql.OpenAICalls()
	_ = base.Failed().Select(m.AttrErrorType)
	if base.String() != `{resource.service.name="scanium-backend" && span.gen_ai.provider.name="openai"}` {
		t.Errorf("deriving a spanset changed its base: %s", base)
	}
}
