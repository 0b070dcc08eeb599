package grafanafake

import (
	"net/http"
	"strings"
)

// Fault makes the next Count matching requests fail.
type Fault struct {
	// Count is how many requests fail.
	Count int
	// PathPrefix limits the fault to paths starting with it ("" matches
	// every path, /api/health included).
	PathPrefix string
	// ExceptHealth spares /api/health.
	ExceptHealth bool
	// Drop closes the connection without an answer, as a Grafana that is
	// not up yet (or restarting) does.
	Drop bool
	// Status is the answer when not dropping (e.g. 500, 503, 429).
	Status int
	// RetryAfter is sent as the Retry-After header when set.
	RetryAfter string
	// Message, when set, makes the answer's message from the request, as a
	// hostile or broken server may (echoing its headers, say); it goes in
	// Grafana's {"message": ...} unless PlainText.
	Message func(r *http.Request) string
	// PlainText sends Message as a text/plain body instead of JSON.
	PlainText bool
}

// Inject queues a fault; faults apply in the order injected.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// DropNext makes the next n requests fail as connection errors.
func (s *Server) DropNext(n int) { s.Inject(Fault{Count: n, Drop: true}) }

// FailNext makes the next n API requests (not health checks) answer status.
func (s *Server) FailNext(n, status int) {
	s.Inject(Fault{Count: n, ExceptHealth: true, Status: status})
}

// takeFault returns the fault for this request, if any. Call with s.mu held.
func (s *Server) takeFault(r *http.Request) *Fault {
	for i, f := range s.faults {
		if f.Count <= 0 {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.ExceptHealth && r.URL.Path == "/api/health" {
			continue
		}
		f.Count--
		out := *f
		if f.Count == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &out
	}
	return nil
}

func (f *Fault) apply(w http.ResponseWriter, r *http.Request) {
	if f.Drop {
		hj, ok := w.(http.Hijacker)
		if ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	msg := http.StatusText(f.Status)
	if f.Message != nil {
		msg = f.Message(r)
	}
	if f.PlainText {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(msg))
		return
	}
	writeError(w, f.Status, msg)
}
