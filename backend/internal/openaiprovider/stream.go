package openaiprovider

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// ErrCancelled is the error of a streamed call whose caller went away: its
// context ended, or its delta function failed (the client could not be
// written to). The call was cancelled, OpenAI's request with it; the attempt
// is recorded with status cancelled, not as an error.
var ErrCancelled = errors.New("the streamed call was cancelled: the client went away")

// errStreamCut is a stream that ended, without a read error, before any
// chunk said why the answer finished: it was cut.
var errStreamCut = errors.New("the stream ended before its last chunk")

// streamResult is what the chunks of one streamed attempt told.
type streamResult struct {
	model, id    string
	finishReason openai.FinishReason
	reply        strings.Builder
	usage        Usage
	gotUsage     bool
	// timeToFirstToken is set when firstToken is: the time from sending
	// the request to the first chunk with content.
	timeToFirstToken time.Duration
	firstToken       bool
	// sent tells that a delta was handed to the caller: the attempt can no
	// longer be retried.
	sent bool
}

// ChatStream asks OpenAI for a completion streamed in chunks, with the
// usage in a last chunk (stream_options.include_usage), and calls onDelta
// with the text of each chunk that has some, in order, on the calling
// goroutine.
//
// Unlike Chat's, the call ends with ctx: a caller that goes away (ctx ends,
// or onDelta returns an error) cancels OpenAI's request, and ChatStream
// returns ErrCancelled with a Response holding the attempts, the request id
// and whatever usage arrived. Failed attempts are retried as Chat's are, but
// only before onDelta was first called; after that, a failure ends the call.
// A failure is an *Error. Config.Timeout bounds the whole call, retries and
// stream included.
//
// Each attempt is one API request in the metrics (stream="true", its
// duration to the stream's end, the time to its first content chunk when
// one came) and one CLIENT span.
func (p *Provider) ChatStream(ctx context.Context, req Request, onDelta func(text string) error) (Response, error) {
	callCtx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	creq := p.completionRequest(req)
	creq.Stream = true
	creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	var wait time.Duration // before the attempt
	for attempt := 1; ; attempt++ {
		res, header, callErr, retryable, cancelled := p.streamAttempt(ctx, callCtx, attempt, wait, &creq, onDelta)
		requestID := headerValue(header, "X-Request-Id")
		if cancelled || callErr == nil {
			out := Response{Reply: res.reply.String(), Model: res.model, Usage: res.usage, RequestID: requestID, Attempts: attempt}
			if cancelled {
				return out, ErrCancelled
			}
			return out, nil
		}
		if res.sent || !retryable || attempt > p.maxRetries {
			return Response{}, callErr
		}
		var ok bool
		if wait, ok = p.waitBeforeRetry(callCtx, callErr, attempt); !ok {
			if ctx.Err() != nil {
				return Response{RequestID: requestID, Attempts: attempt}, ErrCancelled
			}
			return Response{}, callErr
		}
	}
}

// streamAttempt makes one streamed API request and reads its stream to the
// end, records it and ends its span. It returns what the chunks told, the
// answer's header (nil when none came), and either an *Error and whether
// the failure is worth retrying or, when the caller went away, cancelled.
func (p *Provider) streamAttempt(ctx, callCtx context.Context, attempt int, wait time.Duration,
	creq *openai.ChatCompletionRequest, onDelta func(string) error,
) (res *streamResult, header http.Header, callErr *Error, retryable, cancelled bool) {
	attemptCtx, cancelAttempt := context.WithCancel(callCtx)
	defer cancelAttempt()
	attemptCtx, span := p.spans.startAttempt(attemptCtx, attempt, wait, creq)
	note := &answerNote{}
	attemptCtx = context.WithValue(attemptCtx, answerNoteKey{}, note)
	res = &streamResult{}
	start := p.now()
	stream, streamErr := p.client.CreateChatCompletionStream(attemptCtx, *creq)
	clientGone := false
	if streamErr == nil {
		streamErr, clientGone = p.readStream(attemptCtx, stream, start, res, onDelta)
		cancelAttempt() // a stream left unread is OpenAI's request cancelled
		_ = stream.Close()
	}
	elapsed := p.now().Sub(start)
	header = note.header
	rec := Attempt{
		Duration: elapsed, Stream: true, RateLimits: ParseRateLimits(header),
		TimeToFirstToken: res.timeToFirstToken, FirstToken: res.firstToken, Usage: res.usage,
	}
	if rec.RateLimits.ignored != 0 {
		p.untrusted.rateLimits(attemptCtx, header, rec.RateLimits)
	}
	requestID := headerValue(header, "X-Request-Id")
	switch {
	case clientGone || streamErr != nil && ctx.Err() != nil:
		// The caller went away; a stream that ended whole before it did
		// is a success.
		rec.Cancelled = true
		p.recorder.Record(attemptCtx, rec)
		span.streamEnded(res, m.StreamOutcomeCancelled, requestID)
		return res, header, nil, false, true
	case streamErr == nil:
		p.recorder.Record(attemptCtx, rec)
		span.streamEnded(res, m.StreamOutcomeDone, requestID)
		return res, header, nil, false, false
	}
	f := classify(streamErr, header != nil)
	rec.Failed, rec.Kind = true, f.kind
	p.recorder.Record(attemptCtx, rec)
	callErr = &Error{
		Kind: f.kind, StatusCode: f.statusCode, Code: f.code,
		RetryAfter: p.untrusted.retryAfter(attemptCtx, header, p.now()), RequestID: requestID,
		Attempts: attempt, Err: streamErr,
	}
	if f.err != nil {
		callErr.Err = f.err
	}
	span.streamFailed(res, f.kind, requestID)
	return res, header, callErr, f.retryable, false
}

// readStream reads stream's chunks into res, handing each content to
// onDelta, until the stream ends. It returns the error that ended it (nil
// for a whole stream), and whether onDelta failed: the caller went away.
func (p *Provider) readStream(ctx context.Context, stream *openai.ChatCompletionStream, start time.Time,
	res *streamResult, onDelta func(string) error,
) (error, bool) {
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if res.finishReason == "" {
				return errStreamCut, false
			}
			return nil, false
		}
		if err != nil {
			return err, false
		}
		if chunk.Usage != nil {
			res.usage, res.gotUsage = p.untrusted.usage(ctx, *chunk.Usage), true
		}
		if res.model == "" {
			res.model = chunk.Model
		}
		if res.id == "" {
			res.id = chunk.ID
		}
		for _, choice := range chunk.Choices {
			if choice.Index != 0 {
				continue // one choice is asked for
			}
			if choice.FinishReason != "" {
				res.finishReason = choice.FinishReason
			}
			text := choice.Delta.Content
			if text == "" {
				continue
			}
			if !res.firstToken {
				res.timeToFirstToken, res.firstToken = p.now().Sub(start), true
			}
			res.reply.WriteString(text)
			res.sent = true
			if err := onDelta(text); err != nil {
				return err, true
			}
		}
	}
}
