package openaisim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// Fault is a failure the simulator can inject into a chat completion. Its
// zero value, FaultNone, is a normal answer.
type Fault int

// The faults, in the order a random draw considers them.
const (
	// FaultNone answers normally (rate limits still apply).
	FaultNone Fault = iota
	// Fault401 rejects the key: a JSON 401 with code invalid_api_key.
	Fault401
	// Fault429 answers a JSON 429 rate_limit_exceeded with retry-after and
	// the rate-limit headers, whatever the remaining budget.
	Fault429
	// Fault500 answers a JSON 500 server_error.
	Fault500
	// Fault502 answers an HTML 502 from the proxy in front of the API:
	// go-openai returns it as an *openai.RequestError, not an *openai.APIError.
	Fault502
	// Fault503 answers a JSON 503: the model is overloaded.
	Fault503
	// FaultHang holds the request until the client goes away, the server
	// stops, or Config.HangMax passes (then an HTML 504 from the proxy).
	FaultHang
	// FaultCut cuts a streamed answer's connection after the first half of
	// its content chunks: no usage chunk, no [DONE]; go-openai's Recv then
	// returns io.ErrUnexpectedEOF. A request not streamed that takes it
	// (by script or draw) is answered normally.
	FaultCut
	// FaultErrorChunk ends a streamed answer after the first half of its
	// content chunks with an error chunk, as OpenAI sends one:
	// data: {"error": {...server_error...}}, then no [DONE]; go-openai's Recv
	// then returns an *openai.APIError. A request not streamed that takes
	// it is answered normally.
	FaultErrorChunk
)

// faultKinds are the injectable faults, FaultNone excluded, in draw order.
func faultKinds() []Fault {
	return []Fault{Fault401, Fault429, Fault500, Fault502, Fault503, FaultHang, FaultCut, FaultErrorChunk}
}

// faultNames lists the names of the injectable faults, for messages.
const faultNames = "401, 429, 500, 502, 503, hang, cut or error-chunk"

// midStream reports whether f strikes a streamed answer after it has
// started, rather than before it.
func (f Fault) midStream() bool {
	return f == FaultCut || f == FaultErrorChunk
}

// String returns the name ParseFault accepts: "none", "401", "429", "500",
// "502", "503", "hang", "cut" or "error-chunk".
func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case Fault401:
		return "401"
	case Fault429:
		return "429"
	case Fault500:
		return "500"
	case Fault502:
		return "502"
	case Fault503:
		return "503"
	case FaultHang:
		return "hang"
	case FaultCut:
		return "cut"
	case FaultErrorChunk:
		return "error-chunk"
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

func (f Fault) valid() bool {
	return f >= FaultNone && f <= FaultErrorChunk
}

// ParseFault parses a fault name as String writes it.
func ParseFault(name string) (Fault, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, f := range append([]Fault{FaultNone}, faultKinds()...) {
		if f.String() == name {
			return f, nil
		}
	}
	return FaultNone, fmt.Errorf("unknown fault %q: use none or one of %s", name, faultNames)
}

// FaultRates maps a fault to the probability that a request gets it. The
// probabilities add up to at most 1; one draw per request picks at most one
// fault. A request not streamed that draws a mid-stream fault (cut,
// error-chunk) is answered normally, so every request meets the other
// faults at their rates. Its text form is "500:0.02,429:0.01,hang:0.001,cut:0.01".
type FaultRates map[Fault]float64

// ParseFaultRates parses the text form "kind:probability,...", where kind is
// 401, 429, 500, 502, 503, hang, cut or error-chunk. The empty string, and
// "none" alone, mean no faults.
func ParseFaultRates(text string) (FaultRates, error) {
	rates := FaultRates{}
	if strings.EqualFold(strings.TrimSpace(text), FaultNone.String()) {
		return rates, nil
	}
	for entry := range strings.SplitSeq(text, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, value, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("fault rate %q: want kind:probability, such as 500:0.02", entry)
		}
		fault, err := ParseFault(name)
		if err != nil {
			return nil, fmt.Errorf("fault rate %q: %w", entry, err)
		}
		if fault == FaultNone {
			return nil, fmt.Errorf("fault rate %q: none is not a fault: list only the faults to inject, or give none alone for no faults", entry)
		}
		if _, dup := rates[fault]; dup {
			return nil, fmt.Errorf("fault rate %q: %s is listed twice", entry, fault)
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return nil, fmt.Errorf("fault rate %q: probability is not a number: %w", entry, err)
		}
		rates[fault] = p
	}
	if err := rates.Validate(); err != nil {
		return nil, err
	}
	return rates, nil
}

// Validate reports what is wrong with r, if anything.
func (r FaultRates) Validate() error {
	var errs []error
	sum := 0.0
	for _, f := range faultKinds() {
		p, ok := r[f]
		if !ok {
			continue
		}
		if math.IsNaN(p) || p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("fault %s has probability %v: want a value from 0 to 1", f, p))
			continue
		}
		sum += p
	}
	for f := range r {
		if f == FaultNone || !f.valid() {
			errs = append(errs, fmt.Errorf("fault %s cannot be given a rate: use %s", f, faultNames))
		}
	}
	if sum > 1+1e-9 {
		errs = append(errs, fmt.Errorf("fault probabilities add up to %v: they must add up to at most 1", sum))
	}
	return errors.Join(errs...)
}

// String returns the text form, faults in a fixed order.
func (r FaultRates) String() string {
	var b strings.Builder
	for _, f := range faultKinds() {
		p, ok := r[f]
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.String())
		b.WriteByte(':')
		b.WriteString(strconv.FormatFloat(p, 'g', -1, 64))
	}
	return b.String()
}

// MarshalText returns the text form, so FaultRates works with flag.TextVar.
func (r FaultRates) MarshalText() ([]byte, error) {
	return []byte(r.String()), nil
}

// UnmarshalText parses the text form, replacing r.
func (r *FaultRates) UnmarshalText(text []byte) error {
	rates, err := ParseFaultRates(string(text))
	if err != nil {
		return err
	}
	*r = rates
	return nil
}

func (r FaultRates) clone() FaultRates {
	out := make(FaultRates, len(r))
	for f, p := range r {
		out[f] = p
	}
	return out
}

// faultInjector decides the fault of each request: the next scripted fault
// if any is queued, otherwise a draw against the rates.
type faultInjector struct {
	mu     sync.Mutex
	rng    *rand.Rand
	rates  FaultRates
	script []Fault
}

func newFaultInjector(seed uint64, rates FaultRates) *faultInjector {
	return &faultInjector{rng: newRand(seed, streamFaults), rates: rates.clone()}
}

func (in *faultInjector) next() Fault {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.script) > 0 {
		f := in.script[0]
		in.script = in.script[1:]
		return f
	}
	if len(in.rates) == 0 {
		return FaultNone
	}
	u, acc := in.rng.Float64(), 0.0
	for _, f := range faultKinds() {
		acc += in.rates[f]
		if u < acc {
			return f
		}
	}
	return FaultNone
}

func (in *faultInjector) setRates(rates FaultRates) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.rates = rates.clone()
}

func (in *faultInjector) enqueue(faults []Fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.script = append(in.script, faults...)
}

func (in *faultInjector) clear() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := len(in.script)
	in.script = nil
	return n
}

func (in *faultInjector) pending() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.script)
}
