package assistant

import (
	"context"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
)

type recordingModel struct{ got openaiprovider.Request }

func (r *recordingModel) Model() string { return "gpt-4o-mini" }

func (r *recordingModel) Chat(_ context.Context, req openaiprovider.Request) (openaiprovider.Response, error) {
	r.got = req
	return openaiprovider.Response{Reply: "Brass Lamp", Usage: openaiprovider.Usage{TotalTokens: 9}, Attempts: 1}, nil
}

func TestAskPutsItemsBeforeTheQuestion(t *testing.T) {
	model := &recordingModel{}
	answer, err := New(model).Ask(context.Background(), Question{
		Message: "Generate a listing title for this item",
		Items:   []Item{{ItemID: "test-123", CurrentTitle: "Test Item"}, {ItemID: "x", CurrentTitle: ""}},
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := model.got.Messages
	if len(msgs) != 2 || msgs[0].Role != openaiprovider.RoleSystem || msgs[1].Role != openaiprovider.RoleUser {
		t.Fatalf("messages %+v", msgs)
	}
	want := "Items:\n- id \"test-123\", current title \"Test Item\"\n- id \"x\", current title \"\"\n\nRequest: Generate a listing title for this item"
	if msgs[1].Content != want {
		t.Errorf("user prompt\n%q\nwant\n%q", msgs[1].Content, want)
	}
	if model.got.MaxTokens != maxReplyTokens {
		t.Errorf("max tokens %d", model.got.MaxTokens)
	}
	// OpenAI did not name the model: the configured one is reported.
	if answer.Reply != "Brass Lamp" || answer.Model != "gpt-4o-mini" || answer.Usage.TotalTokens != 9 {
		t.Errorf("answer %+v", answer)
	}
}

func TestAskWithoutItemsSendsTheMessageAlone(t *testing.T) {
	model := &recordingModel{}
	if _, err := New(model).Ask(context.Background(), Question{Message: "hi"}); err != nil {
		t.Fatal(err)
	}
	if got := model.got.Messages[1].Content; got != "hi" || strings.Contains(got, "Items") {
		t.Errorf("user prompt %q", got)
	}
}
