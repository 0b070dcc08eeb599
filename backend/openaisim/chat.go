package openaisim

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// serveChat answers POST /v1/chat/completions: authentication, then the
// request's validity, then the fault if one is due, then the rate limits,
// then the latency, then the completion, streamed or not. Rate-limit headers
// go on every answer after authentication; only admitted requests are
// charged. The prompt's cached tokens are what the prompt cache holds when
// the request arrives; the prompt's prefixes are remembered once it is
// answered (for a stream, at its first chunk), before the answer is written,
// so a client's next request finds them.
func (s *Server) serveChat(ex *exchange, r *http.Request) {
	if !s.authenticate(ex, r) {
		return
	}
	req, bad := decodeChatRequest(ex.w, r)
	if bad != nil {
		s.limiter.peek().writeHeaders(ex.w.Header())
		ex.fail(*bad)
		return
	}
	ex.model = req.model
	if req.stream {
		ex.stream = true
		s.stats.streamed.Add(1)
	}
	c := complete(req)
	prefixes := cacheablePrefixes(req.model, req.messages, c.usage.PromptTokens)
	c.usage.PromptTokensDetails.CachedTokens = s.prompts.cachedTokens(s.now(), prefixes)

	ex.fault = s.faults.next()
	if ex.fault.midStream() && !req.stream {
		ex.fault = FaultNone // there is no stream to break
	}
	if s.injectFault(r.Context(), ex) {
		return
	}

	state, rejected := s.limiter.admit(int64(c.usage.TotalTokens))
	state.writeHeaders(ex.w.Header())
	if rejected != nil {
		setRetryAfter(ex.w.Header(), rejected.retryAfter)
		ex.fail(errRateLimited(req.model, rejected))
		return
	}

	events := schedule(c, s.latency.sample(), s.latency.perToken(req.model))
	id := "chatcmpl-" + s.ids.hex32()
	if req.stream {
		s.streamChat(r.Context(), ex, answer{id: id, in: req, c: c, events: events, prefixes: prefixes})
		return
	}
	if !s.sleep(r.Context(), answerTime(events)) {
		ex.abandon()
		return
	}
	s.prompts.remember(s.now(), prefixes)
	ex.usage = &c.usage
	ex.writeJSON(http.StatusOK, chatResponse{
		ID:                id,
		Object:            "chat.completion",
		Created:           s.now().Unix(),
		Model:             req.model,
		Choices:           c.choices,
		Usage:             c.usage,
		ServiceTier:       serviceTier,
		SystemFingerprint: systemFingerprint,
	})
	s.answered(req.model, c.usage)
}

// What every answer reports of the system that served it.
const (
	serviceTier       = "default"
	systemFingerprint = "fp_openaisim"
)

// injectFault answers with ex.fault, if it is one, and reports whether it
// did (or the client went away during a hang).
func (s *Server) injectFault(ctx context.Context, ex *exchange) bool {
	h := ex.w.Header()
	switch ex.fault {
	case FaultNone, FaultCut, FaultErrorChunk:
		return false // the mid-stream faults strike once the stream runs
	case Fault401:
		ex.fail(errInvalidKey())
		return true
	case FaultHang:
		if !s.hang(ctx) {
			ex.abandon()
			return true
		}
	}
	s.limiter.peek().writeHeaders(h)
	switch ex.fault {
	case Fault429:
		const retryAfter = time.Second
		setRetryAfter(h, retryAfter)
		ex.fail(errRateLimitedFault(ex.model, retryAfterSeconds(retryAfter)))
	case Fault500:
		ex.fail(errServer())
	case Fault503:
		ex.fail(errOverloaded())
	case Fault502:
		ex.writeHTML(http.StatusBadGateway)
	case FaultHang:
		ex.writeHTML(http.StatusGatewayTimeout)
	}
	return true
}

// hang holds a request until ctx is done (it reports false) or HangMax
// passes (true).
func (s *Server) hang(ctx context.Context) bool {
	if s.hangMax == 0 {
		<-ctx.Done()
		return false
	}
	return s.sleep(ctx, s.hangMax)
}

func setRetryAfter(h http.Header, d time.Duration) {
	h.Set(headerRetryAfter, strconv.FormatInt(retryAfterSeconds(d), 10))
}
