package assistant

import (
	"context"
	"errors"
	"reflect"
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

func (r *recordingModel) ChatStream(_ context.Context, req openaiprovider.Request, onDelta func(string) error) (openaiprovider.Response, error) {
	r.got = req
	for _, text := range []string{"Brass", " Lamp"} {
		if err := onDelta(text); err != nil {
			return openaiprovider.Response{Reply: "Brass", Attempts: 1, RequestID: "req_1"}, openaiprovider.ErrCancelled
		}
	}
	return openaiprovider.Response{Reply: "Brass Lamp", Usage: openaiprovider.Usage{TotalTokens: 9}, Attempts: 1}, nil
}

func TestAskStreamHandsOverEachPieceAndAsksAsAskDoes(t *testing.T) {
	model := &recordingModel{}
	q := Question{Message: "Generate a listing title for this item", Items: []Item{{ItemID: "test-123", CurrentTitle: "Test Item"}}}
	var pieces []string
	answer, err := New(model).AskStream(context.Background(), q, func(text string) error {
		pieces = append(pieces, text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	streamed := model.got
	if _, err := New(model).Ask(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(streamed, model.got) {
		t.Errorf("streamed request %+v, want Ask's %+v", streamed, model.got)
	}
	if strings.Join(pieces, "|") != "Brass| Lamp" || answer.Reply != "Brass Lamp" || answer.Model != "gpt-4o-mini" || answer.Usage.TotalTokens != 9 {
		t.Errorf("pieces %q, answer %+v", pieces, answer)
	}
}

func TestAskStreamCancelledKeepsWhatArrived(t *testing.T) {
	answer, err := New(&recordingModel{}).AskStream(context.Background(), Question{Message: "hi"}, func(string) error {
		return errors.New("client gone")
	})
	if !errors.Is(err, openaiprovider.ErrCancelled) || answer.Attempts != 1 || answer.OpenAIRequestID != "req_1" {
		t.Errorf("error %v, answer %+v: want ErrCancelled with the attempts and the request id", err, answer)
	}
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
