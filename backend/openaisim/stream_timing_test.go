package openaisim_test

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// clockedSim is a simulator whose waits all run on a manual clock.
func clockedSim(t *testing.T, latency openaisim.Latency) (*sim, *openaisim.ManualClock) {
	t.Helper()
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return start(t, openaisim.Config{Now: clock.Now, Sleep: clock.Sleep, Latency: latency}), clock
}

// nextSleep waits until the simulator sleeps on clock, and returns for how
// long it sleeps.
func nextSleep(t *testing.T, clock *openaisim.ManualClock) time.Duration {
	t.Helper()
	waitFor(t, "the simulator to sleep", func() bool { return len(clock.Sleeping()) == 1 })
	return clock.Sleeping()[0]
}

// receive streams req in the background, sending each chunk on the channel
// it returns, closed when the stream ends.
func receive(ctx context.Context, s *sim, req openai.ChatCompletionRequest) <-chan openai.ChatCompletionStreamResponse {
	out := make(chan openai.ChatCompletionStreamResponse, 64)
	go func() {
		defer close(out)
		stream, err := s.client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			return
		}
		defer stream.Close()
		for {
			chunk, err := stream.Recv()
			if err != nil {
				return
			}
			out <- chunk
		}
	}()
	return out
}

func chunkTokens(c openai.ChatCompletionStreamResponse) int {
	return (utf8.RuneCountInString(c.Choices[0].Delta.Content) + 3) / 4
}

func TestStreamFollowsTheFirstTokenDelayAndThePace(t *testing.T) {
	const firstToken, perToken = 500 * time.Millisecond, 20 * time.Millisecond // 50 tokens a second
	for _, model := range []string{openai.GPT4oMini, "o4-mini"} {
		t.Run(model, func(t *testing.T) {
			req := chat("nintendo switch oled")
			req.Model = model
			// The same request, answered at once, tells what to expect.
			plain, err := start(t, openaisim.Config{}).client.CreateChatCompletion(context.Background(), req)
			req = withUsage(req)
			if err != nil {
				t.Fatalf("CreateChatCompletion: %v", err)
			}
			reasoning := plain.Usage.CompletionTokensDetails.ReasoningTokens
			if (model == "o4-mini") != (reasoning > 0) {
				t.Fatalf("%s reasons %d tokens", model, reasoning)
			}
			replyTokens := plain.Usage.CompletionTokens - reasoning

			s, clock := clockedSim(t, openaisim.Latency{Median: firstToken, Pace: openaisim.Pace{Default: 50}})
			chunks := receive(context.Background(), s, req)
			wait := nextSleep(t, clock)
			if want := firstToken + time.Duration(reasoning)*perToken; wait != want {
				t.Errorf("first token after %s, want %s: the delay, then %d reasoning tokens at the pace", wait, want, reasoning)
			}
			if len(chunks) != 0 {
				t.Fatal("a chunk came before the first token")
			}
			clock.Advance(wait)
			role, first := <-chunks, <-chunks
			if role.Choices[0].Delta.Role != openai.ChatMessageRoleAssistant || chunkTokens(first) != 1 {
				t.Fatalf("at the first token came %+v and %+v, want the role and one token", role, first)
			}
			content := first.Choices[0].Delta.Content
			for sent := 1; sent < replyTokens; {
				wait := nextSleep(t, clock)
				if len(chunks) != 0 {
					t.Fatal("a chunk came before its tokens were generated")
				}
				clock.Advance(wait)
				chunk := <-chunks
				if len(chunk.Choices) != 1 {
					t.Fatalf("got %+v after %d of %d tokens, want a content chunk", chunk, sent, replyTokens)
				}
				if want := time.Duration(chunkTokens(chunk)) * perToken; wait != want {
					t.Errorf("a chunk of %d tokens came %s after the one before, want %s", chunkTokens(chunk), wait, want)
				}
				sent += chunkTokens(chunk)
				content += chunk.Choices[0].Delta.Content
			}
			if last := <-chunks; len(last.Choices) != 0 || last.Usage == nil {
				t.Errorf("after the reply came %+v, want the usage at once", last)
			}
			if _, open := <-chunks; open {
				t.Error("the stream went on after its usage")
			}
			if content != plain.Choices[0].Message.Content {
				t.Errorf("streamed %q, want %q", content, plain.Choices[0].Message.Content)
			}
		})
	}
}

func TestAnswerNotStreamedWaitsForItsLastToken(t *testing.T) {
	s, clock := clockedSim(t, openaisim.Latency{Median: 300 * time.Millisecond, Pace: openaisim.Pace{Default: 100, Models: map[string]float64{"gpt-4o": 25}}})
	for _, tc := range []struct {
		model    string
		perToken time.Duration
	}{{openai.GPT4oMini, 40 * time.Millisecond}, {"gpt-4.1", 10 * time.Millisecond}} {
		req := chat("oak bookcase")
		req.Model = tc.model
		done := make(chan openai.ChatCompletionResponse, 1)
		go func() {
			resp, err := s.client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Errorf("CreateChatCompletion: %v", err)
			}
			done <- resp
		}()
		wait := nextSleep(t, clock)
		clock.Advance(wait)
		resp := <-done
		// The last token comes completion_tokens - 1 paces after the first.
		if want := 300*time.Millisecond + time.Duration(resp.Usage.CompletionTokens-1)*tc.perToken; wait != want {
			t.Errorf("%s: the answer took %s, want %s", tc.model, wait, want)
		}
	}
}

func TestClientLeavingMidStreamIsAbandonedAndBilledForWhatWasGenerated(t *testing.T) {
	s, clock := clockedSim(t, openaisim.Latency{Median: time.Second, Pace: openaisim.Pace{Default: 50}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chunks := receive(ctx, s, withUsage(chat("dyson v11 vacuum")))
	clock.Advance(nextSleep(t, clock))
	<-chunks // role
	first := <-chunks
	nextSleep(t, clock)
	cancel()
	waitFor(t, "the stream to be abandoned", func() bool { return s.srv.Stats().Abandoned == 1 })
	if st := s.srv.Stats(); st.Finished() != 1 || st.Succeeded != 0 {
		t.Errorf("stats = %+v, want only the abandoned stream", st)
	}
	bill := s.srv.Bill(clock.Now())
	if len(bill.Models) != 1 || bill.Models[0].Requests != 1 || bill.Models[0].OutputTokens != int64(chunkTokens(first)) || bill.Models[0].InputTokens == 0 {
		t.Errorf("bill = %+v, want the prompt and the one token sent", bill.Models)
	}
}
