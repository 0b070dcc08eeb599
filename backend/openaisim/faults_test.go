package openaisim_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestScriptedFaultsGiveTheErrorsGoOpenAIReturns(t *testing.T) {
	for _, tc := range []struct {
		fault  openaisim.Fault
		status int
		typ    string // the APIError's type; "" for a RequestError
		code   any    // go-openai decodes a null code as 0
		check  func(t *testing.T, resp openai.ChatCompletionResponse, st openaisim.Stats)
	}{
		{openaisim.Fault401, 401, "invalid_request_error", "invalid_api_key", func(t *testing.T, _ openai.ChatCompletionResponse, st openaisim.Stats) {
			if st.Unauthorized != 1 {
				t.Errorf("stats = %+v, want 1 unauthorized", st)
			}
		}},
		{openaisim.Fault429, 429, "requests", "rate_limit_exceeded", func(t *testing.T, resp openai.ChatCompletionResponse, st openaisim.Stats) {
			if got := resp.Header().Get("retry-after"); got != "1" {
				t.Errorf("retry-after = %q, want 1", got)
			}
			if rl := resp.GetRateLimitHeaders(); rl.LimitRequests == 0 || rl.RemainingRequests != rl.LimitRequests {
				t.Errorf("rate-limit headers = %+v, want the full budget, untouched by a fault", rl)
			}
			if st.RateLimited != 1 {
				t.Errorf("stats = %+v, want 1 rate limited", st)
			}
		}},
		{openaisim.Fault500, 500, "server_error", 0, func(t *testing.T, resp openai.ChatCompletionResponse, st openaisim.Stats) {
			if resp.GetRateLimitHeaders().LimitRequests == 0 {
				t.Errorf("a 500 lacks the rate-limit headers")
			}
			if st.ServerError != 1 {
				t.Errorf("stats = %+v, want 1 server error", st)
			}
		}},
		{openaisim.Fault503, 503, "server_error", "overloaded", func(t *testing.T, resp openai.ChatCompletionResponse, st openaisim.Stats) {
			if resp.GetRateLimitHeaders().LimitRequests == 0 {
				t.Errorf("a 503 lacks the rate-limit headers")
			}
			if st.Overloaded != 1 {
				t.Errorf("stats = %+v, want 1 overloaded", st)
			}
		}},
		{openaisim.Fault502, 502, "", nil, func(t *testing.T, resp openai.ChatCompletionResponse, st openaisim.Stats) {
			if ct := resp.Header().Get("Content-Type"); ct != "text/html" {
				t.Errorf("content-type = %q, want text/html", ct)
			}
			if st.BadGateway != 1 {
				t.Errorf("stats = %+v, want 1 bad gateway", st)
			}
		}},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			s := start(t, openaisim.Config{})
			if err := s.srv.Script(tc.fault); err != nil {
				t.Fatalf("Script: %v", err)
			}
			resp, err := s.ask(t, "ceramic vase")
			if err == nil {
				t.Fatal("the scripted fault did not fail the request")
			}
			if tc.typ == "" {
				var reqErr *openai.RequestError
				if !errors.As(err, &reqErr) {
					t.Fatalf("error %v (%T) is not an *openai.RequestError", err, err)
				}
				if reqErr.HTTPStatusCode != tc.status || !strings.Contains(string(reqErr.Body), "<center>nginx</center>") {
					t.Errorf("got %d %q, want %d and nginx's HTML page", reqErr.HTTPStatusCode, reqErr.Body, tc.status)
				}
			} else {
				apiErr := asAPIError(t, err)
				if apiErr.HTTPStatusCode != tc.status || apiErr.Type != tc.typ || apiErr.Code != tc.code {
					t.Errorf("got %d %q %v, want %d %q %v", apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code, tc.status, tc.typ, tc.code)
				}
			}
			tc.check(t, resp, s.srv.Stats())
			if _, err := s.ask(t, "ceramic vase"); err != nil {
				t.Errorf("the request after the script failed: %v", err)
			}
		})
	}
}

func TestHangOutlivesTheClient(t *testing.T) {
	s := start(t, openaisim.Config{})
	if err := s.srv.Script(openaisim.FaultHang); err != nil {
		t.Fatalf("Script: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.client.CreateChatCompletion(ctx, chat("piano stool"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v (%T), want the client's deadline", err, err)
	}
	// The handler is freed by the client leaving, not by the server stopping.
	waitFor(t, "the hung request to be abandoned", func() bool { return s.srv.Stats().Abandoned == 1 })

	httpClient := &http.Client{Timeout: 50 * time.Millisecond}
	cfg := openai.DefaultConfig(testKey)
	cfg.BaseURL, cfg.HTTPClient = s.run.URL(), httpClient
	if err := s.srv.Script(openaisim.FaultHang); err != nil {
		t.Fatalf("Script: %v", err)
	}
	_, err = openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), chat("piano stool"))
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Fatalf("error = %v (%T), want the HTTP client's timeout", err, err)
	}
	waitFor(t, "the second hung request to be abandoned", func() bool { return s.srv.Stats().Abandoned == 2 })
}

func TestHangEndsAtHangMax(t *testing.T) {
	s := start(t, openaisim.Config{HangMax: time.Millisecond})
	if err := s.srv.Script(openaisim.FaultHang); err != nil {
		t.Fatalf("Script: %v", err)
	}
	_, err := s.ask(t, "piano stool")
	var reqErr *openai.RequestError
	if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != http.StatusGatewayTimeout {
		t.Fatalf("error = %v (%T), want a RequestError with the proxy's 504", err, err)
	}
	if st := s.srv.Stats(); st.GatewayTimeout != 1 {
		t.Errorf("stats = %+v, want 1 gateway timeout", st)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	srv, err := openaisim.New(openaisim.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	run, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := srv.Script(openaisim.FaultHang); err != nil {
		t.Fatalf("Script: %v", err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := newClient(run.URL(), testKey).CreateChatCompletion(context.Background(), chat("bookcase"))
		errc <- err
	}()
	waitFor(t, "the request to hang", func() bool { return srv.Stats().InFlight() == 1 })
	if err := run.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; err == nil {
		t.Errorf("the hung request succeeded after Close")
	}
	if st := srv.Stats(); st.Abandoned != 1 || st.InFlight() != 0 {
		t.Errorf("stats after Close = %+v, want the request abandoned and none in flight", st)
	}
}

func TestScriptIsConsumedInOrder(t *testing.T) {
	s := start(t, openaisim.Config{})
	script := []openaisim.Fault{openaisim.Fault500, openaisim.Fault500, openaisim.FaultNone, openaisim.Fault503}
	if err := s.srv.Script(script...); err != nil {
		t.Fatalf("Script: %v", err)
	}
	if n := s.srv.PendingFaults(); n != 4 {
		t.Errorf("PendingFaults = %d, want 4", n)
	}
	var got []int
	for range 6 {
		_, err := s.ask(t, "coat rack")
		got = append(got, statusOf(err))
	}
	if want := []int{500, 500, 200, 503, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	want := openaisim.Stats{Received: 6, Succeeded: 3, ServerError: 2, Overloaded: 1}
	if st := s.srv.Stats(); st != want {
		t.Errorf("stats = %+v, want %+v", st, want)
	}

	if err := s.srv.Script(openaisim.Fault429, openaisim.Fault429); err != nil {
		t.Fatalf("Script: %v", err)
	}
	if n := s.srv.ClearScript(); n != 2 {
		t.Errorf("ClearScript = %d, want the 2 unconsumed", n)
	}
	if _, err := s.ask(t, "coat rack"); err != nil {
		t.Errorf("a request after ClearScript: %v", err)
	}
}

func TestScriptRejectsUnknownFaults(t *testing.T) {
	s := start(t, openaisim.Config{})
	if err := s.srv.Script(openaisim.Fault500, openaisim.Fault(42)); err == nil {
		t.Fatal("Script accepted Fault(42)")
	}
	if n := s.srv.PendingFaults(); n != 0 {
		t.Errorf("a rejected script queued %d faults", n)
	}
}

func TestFaultRatesAreReproducibleFromTheSeed(t *testing.T) {
	rates, err := openaisim.ParseFaultRates("500:0.2,429:0.1,503:0.1,502:0.05,401:0.05")
	if err != nil {
		t.Fatalf("ParseFaultRates: %v", err)
	}
	statuses := func(seed uint64) []int {
		s := start(t, openaisim.Config{Seed: seed, FaultRates: rates})
		var out []int
		for range 200 {
			_, err := s.ask(t, "side table")
			out = append(out, statusOf(err))
		}
		return out
	}
	a, b, c := statuses(7), statuses(7), statuses(8)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave different faults:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same 200 outcomes")
	}
	for _, status := range []int{200, 401, 429, 500, 502, 503} {
		if !slices.Contains(a, status) {
			t.Errorf("200 requests at these rates never answered %d", status)
		}
	}
	if n := count(a, 200); n < 80 || n > 120 {
		t.Errorf("%d of 200 requests succeeded, want about 100 at a 50%% fault rate", n)
	}
}

func TestSetFaultRatesAtRuntime(t *testing.T) {
	s := start(t, openaisim.Config{})
	if err := s.srv.SetFaultRates(openaisim.FaultRates{openaisim.Fault500: 1}); err != nil {
		t.Fatalf("SetFaultRates: %v", err)
	}
	if _, err := s.ask(t, "armchair"); statusOf(err) != 500 {
		t.Errorf("at rate 1 a request got %v, want a 500", err)
	}
	if err := s.srv.SetFaultRates(openaisim.FaultRates{openaisim.Fault500: 1.5}); err == nil {
		t.Error("SetFaultRates accepted a probability of 1.5")
	}
	if err := s.srv.SetFaultRates(nil); err != nil {
		t.Fatalf("SetFaultRates(nil): %v", err)
	}
	if _, err := s.ask(t, "armchair"); err != nil {
		t.Errorf("with no rates a request failed: %v", err)
	}
}

// statusOf is the HTTP status a go-openai call got: 200 for no error.
func statusOf(err error) int {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &apiErr):
		return apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		return reqErr.HTTPStatusCode
	}
	return -1
}

func count(statuses []int, status int) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}
