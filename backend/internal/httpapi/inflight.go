package httpapi

import (
	"fmt"
	"net/http"
)

// inFlightLimit bounds the chat requests handled at once. A request beyond
// it is refused at once with 503 OVERLOADED and Retry-After, before its body
// is read: it never reaches OpenAI, so it never counts in the OpenAI metrics.
// The health endpoints are not subject to it.
type inFlightLimit struct {
	slots   chan struct{}
	message string
}

func newInFlightLimit(n int) inFlightLimit {
	return inFlightLimit{
		slots: make(chan struct{}, n),
		message: fmt.Sprintf("the server is already handling its maximum of %d chat requests at once (MAX_IN_FLIGHT_REQUESTS): retry in a second",
			n),
	}
}

// acquire takes a slot if one is free; release gives it back.
func (l inFlightLimit) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l inFlightLimit) release() { <-l.slots }

func (l inFlightLimit) refuse(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	writeError(w, r, http.StatusServiceUnavailable, CodeOverloaded, l.message)
}
