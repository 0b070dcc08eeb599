package openaisim

import (
	"net/http"
	"sync/atomic"
)

// Stats counts the chat completion requests a Server received and how each
// ended. Every finished request is counted under exactly one outcome.
type Stats struct {
	// Received counts requests to /v1/chat/completions, finished or not.
	Received int64
	// Streamed counts the received requests that asked for "stream": true
	// and passed validation; they are counted under an outcome too.
	Streamed int64

	Succeeded      int64 // 200
	BadRequest     int64 // 400, 405, 413: the request was at fault
	Unauthorized   int64 // 401: missing or rejected key, or Fault401
	RateLimited    int64 // 429: a budget ran out, or Fault429
	ServerError    int64 // 500: Fault500
	BadGateway     int64 // HTML 502: Fault502
	Overloaded     int64 // 503: Fault503
	GatewayTimeout int64 // HTML 504: a FaultHang that reached Config.HangMax
	// Abandoned counts requests whose client went away (or whose server
	// stopped) before the answer was complete: during the latency, a
	// FaultHang, or in the middle of a streamed answer.
	Abandoned int64
	// StreamCut counts streamed answers cut by FaultCut.
	StreamCut int64
	// StreamError counts streamed answers ended by FaultErrorChunk.
	StreamError int64
}

// Finished is the number of requests that have ended, in any outcome.
func (s Stats) Finished() int64 {
	return s.Succeeded + s.BadRequest + s.Unauthorized + s.RateLimited + s.ServerError +
		s.BadGateway + s.Overloaded + s.GatewayTimeout + s.Abandoned + s.StreamCut + s.StreamError
}

// InFlight is the number of requests received and not yet finished.
func (s Stats) InFlight() int64 {
	return s.Received - s.Finished()
}

// statusClientClosed is the status recorded, never sent, for an abandoned
// request: nginx's 499.
const statusClientClosed = 499

// outcome is how one request ended; it follows from the status answered.
type outcome int

const (
	outcomeSucceeded outcome = iota
	outcomeBadRequest
	outcomeUnauthorized
	outcomeRateLimited
	outcomeServerError
	outcomeBadGateway
	outcomeOverloaded
	outcomeGatewayTimeout
	outcomeAbandoned
	outcomeStreamCut
	outcomeStreamError
	outcomeCount
)

func outcomeOf(status int) outcome {
	switch status {
	case http.StatusOK:
		return outcomeSucceeded
	case http.StatusUnauthorized:
		return outcomeUnauthorized
	case http.StatusTooManyRequests:
		return outcomeRateLimited
	case http.StatusBadGateway:
		return outcomeBadGateway
	case http.StatusServiceUnavailable:
		return outcomeOverloaded
	case http.StatusGatewayTimeout:
		return outcomeGatewayTimeout
	case statusClientClosed:
		return outcomeAbandoned
	}
	if status >= 500 {
		return outcomeServerError
	}
	return outcomeBadRequest
}

func (o outcome) String() string {
	switch o {
	case outcomeSucceeded:
		return "succeeded"
	case outcomeBadRequest:
		return "bad_request"
	case outcomeUnauthorized:
		return "unauthorized"
	case outcomeRateLimited:
		return "rate_limited"
	case outcomeServerError:
		return "server_error"
	case outcomeBadGateway:
		return "bad_gateway"
	case outcomeOverloaded:
		return "overloaded"
	case outcomeGatewayTimeout:
		return "gateway_timeout"
	case outcomeAbandoned:
		return "abandoned"
	case outcomeStreamCut:
		return "stream_cut"
	case outcomeStreamError:
		return "stream_error"
	}
	return "unknown"
}

// counters are the live, concurrency-safe form of Stats.
type counters struct {
	received atomic.Int64
	streamed atomic.Int64
	outcomes [outcomeCount]atomic.Int64
}

func (c *counters) snapshot() Stats {
	get := func(o outcome) int64 { return c.outcomes[o].Load() }
	// Outcomes are read before Received so that a snapshot never shows more
	// finished requests than received ones.
	s := Stats{
		Succeeded:      get(outcomeSucceeded),
		BadRequest:     get(outcomeBadRequest),
		Unauthorized:   get(outcomeUnauthorized),
		RateLimited:    get(outcomeRateLimited),
		ServerError:    get(outcomeServerError),
		BadGateway:     get(outcomeBadGateway),
		Overloaded:     get(outcomeOverloaded),
		GatewayTimeout: get(outcomeGatewayTimeout),
		Abandoned:      get(outcomeAbandoned),
		StreamCut:      get(outcomeStreamCut),
		StreamError:    get(outcomeStreamError),
	}
	s.Streamed = c.streamed.Load()
	s.Received = c.received.Load()
	return s
}
