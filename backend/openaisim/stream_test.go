package openaisim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// streamed is what a go-openai stream delivered.
type streamed struct {
	chunks []openai.ChatCompletionStreamResponse
	err    error // the error that ended the stream; io.EOF after [DONE]
}

// content concatenates the content of choice index.
func (s streamed) content(index int) string {
	var b strings.Builder
	for _, c := range s.chunks {
		for _, ch := range c.Choices {
			if ch.Index == index {
				b.WriteString(ch.Delta.Content)
			}
		}
	}
	return b.String()
}

// finish is the finish reason choice index ended with.
func (s streamed) finish(index int) openai.FinishReason {
	var out openai.FinishReason
	for _, c := range s.chunks {
		for _, ch := range c.Choices {
			if ch.Index == index && ch.FinishReason != "" {
				out = ch.FinishReason
			}
		}
	}
	return out
}

func readStream(t testing.TB, stream *openai.ChatCompletionStream) streamed {
	t.Helper()
	defer stream.Close()
	var out streamed
	for {
		chunk, err := stream.Recv()
		if err != nil {
			out.err = err
			return out
		}
		out.chunks = append(out.chunks, chunk)
	}
}

func (s *sim) stream(t testing.TB, req openai.ChatCompletionRequest) (streamed, error) {
	t.Helper()
	stream, err := s.client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		return streamed{}, err
	}
	return readStream(t, stream), nil
}

func withUsage(req openai.ChatCompletionRequest) openai.ChatCompletionRequest {
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	return req
}

func TestStreamParsesInGoOpenAIAndMatchesTheAnswerNotStreamed(t *testing.T) {
	for _, model := range []string{openai.GPT4oMini, "o4-mini"} {
		t.Run(model, func(t *testing.T) {
			s := start(t, openaisim.Config{})
			req := chat("vintage leather jacket, brown, size M")
			req.Model = model
			plain, err := s.client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatalf("CreateChatCompletion: %v", err)
			}
			got, err := s.stream(t, withUsage(req))
			if err != nil {
				t.Fatalf("CreateChatCompletionStream: %v", err)
			}
			if !errors.Is(got.err, io.EOF) {
				t.Fatalf("the stream ended with %v, want io.EOF after [DONE]", got.err)
			}
			if n := len(got.chunks); n < 4 {
				t.Fatalf("got %d chunks, want a role chunk, several content chunks and the usage", n)
			}
			first, last := got.chunks[0], got.chunks[len(got.chunks)-1]
			if len(first.Choices) != 1 || first.Choices[0].Delta.Role != openai.ChatMessageRoleAssistant || first.Choices[0].Delta.Content != "" {
				t.Errorf("first chunk = %+v, want the assistant's role and no content", first)
			}
			for i, c := range got.chunks {
				if c.ID != first.ID || c.Created != first.Created || c.Model != model || c.SystemFingerprint != first.SystemFingerprint ||
					c.Object != "chat.completion.chunk" || !strings.HasPrefix(c.ID, "chatcmpl-") {
					t.Errorf("chunk %d = %q %q %d %q %q, want the first chunk's id, created, model, fingerprint and object chat.completion.chunk",
						i, c.ID, c.Object, c.Created, c.Model, c.SystemFingerprint)
				}
				if i < len(got.chunks)-1 && (c.Usage != nil || len(c.Choices) != 1) {
					t.Errorf("chunk %d has usage %v and %d choices, want no usage and one choice before the last", i, c.Usage, len(c.Choices))
				}
				if i > 0 && i < len(got.chunks)-1 {
					if n := len([]rune(c.Choices[0].Delta.Content)); n == 0 || n > 12 {
						t.Errorf("content chunk %d holds %q, want a few tokens", i, c.Choices[0].Delta.Content)
					}
				}
			}
			if got.chunks[len(got.chunks)-2].Choices[0].FinishReason != openai.FinishReasonStop {
				t.Errorf("the last content chunk finishes with %q, want stop", got.chunks[len(got.chunks)-2].Choices[0].FinishReason)
			}
			if len(last.Choices) != 0 || last.Usage == nil {
				t.Fatalf("last chunk = %+v, want no choices and the usage", last)
			}
			if got.content(0) != plain.Choices[0].Message.Content {
				t.Errorf("streamed content %q, want the reply not streamed %q", got.content(0), plain.Choices[0].Message.Content)
			}
			if fullUsage(*last.Usage) != fullUsage(plain.Usage) {
				t.Errorf("streamed usage %+v, want the answer not streamed's %+v", *last.Usage, plain.Usage)
			}
			if model == "o4-mini" && last.Usage.CompletionTokensDetails.ReasoningTokens == 0 {
				t.Errorf("a reasoning model streamed no reasoning tokens: %+v", last.Usage)
			}
			waitFor(t, "the stream to be counted", func() bool { return s.srv.Stats().InFlight() == 0 })
			if st := s.srv.Stats(); st.Succeeded != 2 || st.Streamed != 1 {
				t.Errorf("stats = %+v, want 2 succeeded, 1 streamed", st)
			}
		})
	}
}

func TestStreamCarriesUsageOnlyWhenAsked(t *testing.T) {
	s := start(t, openaisim.Config{})
	got, err := s.stream(t, chat("oak dining table"))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	for i, c := range got.chunks {
		if c.Usage != nil || len(c.Choices) != 1 {
			t.Errorf("chunk %d: usage %v, %d choices; want no usage chunk without include_usage", i, c.Usage, len(c.Choices))
		}
	}
	status, header, body := s.post(t, "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"oak table"}]}`)
	if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("got %d %q, want 200 text/event-stream", status, header.Get("Content-Type"))
	}
	if strings.Contains(string(body), `"usage"`) || !strings.HasSuffix(string(body), "data: [DONE]\n\n") {
		t.Errorf("body without include_usage:\n%s\nwant no usage field and [DONE] last", body)
	}
	_, _, body = s.post(t, "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"oak table"}]}`)
	events := strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n")
	for i, ev := range events[:len(events)-2] {
		if !strings.Contains(ev, `"usage":null`) {
			t.Errorf("event %d lacks \"usage\": null: %s", i, ev)
		}
	}
	if ev := events[len(events)-2]; !strings.Contains(ev, `"choices":[]`) || !strings.Contains(ev, `"usage":{"prompt_tokens":`) {
		t.Errorf("the event before [DONE] is %s, want no choices and the usage", ev)
	}
}

func TestStreamSeveralChoicesInterleaved(t *testing.T) {
	s := start(t, openaisim.Config{})
	req := chat("road bike aluminium frame 56cm")
	req.N = 3
	plain, err := s.client.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	got, err := s.stream(t, withUsage(req))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	for i := range 3 {
		if got.content(i) != plain.Choices[i].Message.Content || got.finish(i) != openai.FinishReasonStop {
			t.Errorf("choice %d streamed %q finishing %q, want %q and stop", i, got.content(i), got.finish(i), plain.Choices[i].Message.Content)
		}
	}
	var order []int
	for _, c := range got.chunks[:6] {
		order = append(order, c.Choices[0].Index)
	}
	if want := []int{0, 1, 2, 0, 1, 2}; !equalInts(order, want) {
		t.Errorf("the first chunks are of choices %v, want %v: role chunks, then first tokens, by index", order, want)
	}
	if u := got.chunks[len(got.chunks)-1].Usage; u == nil || fullUsage(*u) != fullUsage(plain.Usage) {
		t.Errorf("usage %v, want %+v", u, plain.Usage)
	}
}

// fullUsage is every count of a usage: prompt, completion, total, cached
// and reasoning tokens.
func fullUsage(u openai.Usage) [5]int {
	out := [5]int{u.PromptTokens, u.CompletionTokens, u.TotalTokens}
	if u.PromptTokensDetails != nil {
		out[3] = u.PromptTokensDetails.CachedTokens
	}
	if u.CompletionTokensDetails != nil {
		out[4] = u.CompletionTokensDetails.ReasoningTokens
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStreamFinishesWithLengthAtMaxCompletionTokens(t *testing.T) {
	s := start(t, openaisim.Config{})
	req := withUsage(chat("mid-century teak sideboard"))
	req.MaxCompletionTokens = 5
	got, err := s.stream(t, req)
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	if got.finish(0) != openai.FinishReasonLength {
		t.Errorf("finish = %q, want length", got.finish(0))
	}
	if n := len([]rune(got.content(0))); n == 0 || n > 20 {
		t.Errorf("content %q, want at most 5 tokens", got.content(0))
	}
	if u := got.chunks[len(got.chunks)-1].Usage; u == nil || u.CompletionTokens != 5 {
		t.Errorf("usage %v, want 5 completion tokens", u)
	}
}

func TestStreamedRequestsMeetThePreStreamFaults(t *testing.T) {
	for _, tc := range []struct {
		fault  openaisim.Fault
		status int
	}{
		{openaisim.Fault401, 401}, {openaisim.Fault429, 429}, {openaisim.Fault500, 500},
		{openaisim.Fault502, 502}, {openaisim.Fault503, 503}, {openaisim.FaultHang, 504},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := start(t, openaisim.Config{HangMax: time.Millisecond})
			if err := s.srv.Script(tc.fault); err != nil {
				t.Fatalf("Script: %v", err)
			}
			_, err := s.stream(t, withUsage(chat("ceramic vase")))
			if got := statusOf(err); got != tc.status {
				t.Errorf("error %v (status %d), want %d before the stream", err, got, tc.status)
			}
			if tc.fault == openaisim.Fault502 {
				var reqErr *openai.RequestError
				if !errors.As(err, &reqErr) {
					t.Errorf("error %T, want the *openai.RequestError of an HTML page", err)
				}
			}
			waitFor(t, "the request to be counted", func() bool { return s.srv.Stats().InFlight() == 0 })
			if st := s.srv.Stats(); st.Streamed != 1 || st.Succeeded != 0 || st.Finished() != 1 {
				t.Errorf("stats = %+v, want the streamed request failed", st)
			}
			if bill := s.srv.Bill(time.Now()); len(bill.Models) != 0 {
				t.Errorf("a request failed before its stream billed %+v", bill.Models)
			}
		})
	}
}

func TestMidStreamFaultsByScript(t *testing.T) {
	s := start(t, openaisim.Config{})
	plain, err := s.client.CreateChatCompletion(context.Background(), chat("brass desk lamp"))
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	reply := plain.Choices[0].Message.Content
	if err := s.srv.Script(openaisim.FaultCut, openaisim.FaultErrorChunk, openaisim.FaultCut); err != nil {
		t.Fatalf("Script: %v", err)
	}

	cut, err := s.stream(t, withUsage(chat("brass desk lamp")))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	if !errors.Is(cut.err, io.ErrUnexpectedEOF) {
		t.Errorf("a cut stream ended with %v, want io.ErrUnexpectedEOF", cut.err)
	}
	checkHalf(t, "cut", cut, reply)

	broken, err := s.stream(t, withUsage(chat("brass desk lamp")))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	apiErr := asAPIError(t, broken.err)
	if apiErr.Type != "server_error" || !strings.Contains(apiErr.Message, "error while processing") {
		t.Errorf("the error chunk gave %+v, want OpenAI's server_error", apiErr)
	}
	checkHalf(t, "error chunk", broken, reply)

	// A request not streamed that takes a mid-stream fault is answered.
	if _, err := s.ask(t, "brass desk lamp"); err != nil {
		t.Errorf("a request not streamed failed on a mid-stream fault: %v", err)
	}
	waitFor(t, "the requests to be counted", func() bool { return s.srv.Stats().InFlight() == 0 })
	want := openaisim.Stats{Received: 4, Streamed: 2, Succeeded: 2, StreamCut: 1, StreamError: 1}
	if st := s.srv.Stats(); st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}
}

// checkHalf checks that a stream broken by a fault delivered the first half
// of reply and no usage.
func checkHalf(t *testing.T, what string, got streamed, reply string) {
	t.Helper()
	content := got.content(0)
	if content == "" || !strings.HasPrefix(reply, content) || len(content) >= len(reply) {
		t.Errorf("%s: content %q, want a beginning of %q", what, content, reply)
	}
	if l := len(content); l < len(reply)/3 || l > 2*len(reply)/3+12 {
		t.Errorf("%s: %d of %d characters, want about half", what, l, len(reply))
	}
	for _, c := range got.chunks {
		if c.Usage != nil {
			t.Errorf("%s: a chunk carries usage %+v", what, c.Usage)
		}
	}
}

func TestMidStreamFaultsByRate(t *testing.T) {
	rates, err := openaisim.ParseFaultRates("cut:0.25,error-chunk:0.25")
	if err != nil {
		t.Fatalf("ParseFaultRates: %v", err)
	}
	s := start(t, openaisim.Config{FaultRates: rates, Seed: 3})
	for range 40 {
		if _, err := s.stream(t, chat("coat rack")); err != nil {
			t.Fatalf("CreateChatCompletionStream: %v", err)
		}
		if _, err := s.ask(t, "coat rack"); err != nil {
			t.Fatalf("a request not streamed met a mid-stream fault: %v", err)
		}
	}
	waitFor(t, "the requests to be counted", func() bool { return s.srv.Stats().InFlight() == 0 })
	st := s.srv.Stats()
	if st.StreamCut == 0 || st.StreamError == 0 || st.StreamCut+st.StreamError > 30 || st.Succeeded < 50 {
		t.Errorf("stats = %+v, want about 10 cut and 10 errored streams of 40, and the 40 plain answers", st)
	}
}

func TestLedgerBillsACompletedStreamWhollyAndACutOneForWhatItSent(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now})
	whole, err := s.stream(t, withUsage(chat("makita cordless drill")))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	use := whole.chunks[len(whole.chunks)-1].Usage
	if got := s.srv.Bill(clock.Now()).Models; len(got) != 1 || got[0].Requests != 1 ||
		got[0].InputTokens != int64(use.PromptTokens) || got[0].OutputTokens != int64(use.CompletionTokens) {
		t.Fatalf("bill after a completed stream = %+v, want its usage %+v", got, use)
	}
	if err := s.srv.Script(openaisim.FaultCut); err != nil {
		t.Fatalf("Script: %v", err)
	}
	cut, err := s.stream(t, withUsage(chat("makita cordless drill")))
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	sent := (len([]rune(cut.content(0))) + 3) / 4
	got := s.srv.Bill(clock.Now()).Models
	if len(got) != 1 || got[0].Requests != 2 || got[0].InputTokens != 2*int64(use.PromptTokens) ||
		got[0].OutputTokens != int64(use.CompletionTokens+sent) {
		t.Errorf("bill after a cut stream = %+v, want 2 requests, 2 prompts and %d+%d output tokens", got, use.CompletionTokens, sent)
	}
}
