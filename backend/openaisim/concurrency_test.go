package openaisim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestConcurrentRequests(t *testing.T) {
	const workers, perWorker, budget = 8, 25, 150
	rates, err := openaisim.ParseFaultRates("500:0.1,503:0.05,502:0.05")
	if err != nil {
		t.Fatalf("ParseFaultRates: %v", err)
	}
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{
		Now:        clock.Now,
		Seed:       11,
		FaultRates: rates,
		Latency:    openaisim.Latency{Median: 100 * time.Microsecond, P99: time.Millisecond},
		RateLimits: openaisim.RateLimits{Requests: budget},
	})
	if err := s.srv.Script(openaisim.Fault429, openaisim.Fault401, openaisim.Fault500); err != nil {
		t.Fatalf("Script: %v", err)
	}

	var wg sync.WaitGroup
	statuses := make(chan int, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				_, err := s.client.CreateChatCompletion(context.Background(), chat("bar stools, set of four"))
				statuses <- statusOf(err)
			}
		})
	}
	wg.Go(func() { // change the configuration while requests run
		for range 20 {
			if err := s.srv.SetFaultRates(rates); err != nil {
				t.Errorf("SetFaultRates: %v", err)
			}
			if err := s.srv.SetRateLimits(openaisim.RateLimits{Requests: budget}); err != nil {
				t.Errorf("SetRateLimits: %v", err)
			}
			_ = s.srv.Stats()
		}
	})
	wg.Wait()
	close(statuses)

	byStatus := map[int]int64{}
	for status := range statuses {
		byStatus[status]++
	}
	st := s.srv.Stats()
	if st.Received != workers*perWorker || st.Finished() != st.Received {
		t.Errorf("stats = %+v, want %d received and finished", st, workers*perWorker)
	}
	for status, counted := range map[int]int64{
		200: st.Succeeded, 401: st.Unauthorized, 429: st.RateLimited,
		500: st.ServerError, 502: st.BadGateway, 503: st.Overloaded,
	} {
		if byStatus[status] != counted {
			t.Errorf("clients saw %d answers %d, the stats count %d", byStatus[status], status, counted)
		}
	}
	if st.Succeeded != budget {
		t.Errorf("%d succeeded, want exactly the budget of %d: more requests than that were not faulted", st.Succeeded, budget)
	}
	if s.srv.PendingFaults() != 0 {
		t.Errorf("%d scripted faults were not taken", s.srv.PendingFaults())
	}
}
