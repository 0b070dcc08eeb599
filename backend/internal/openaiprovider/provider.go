package openaiprovider

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/trace"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/internal/retry"
)

// Config configures a Provider.
type Config struct {
	APIKey  config.Secret
	BaseURL string
	// Model is the model asked for, and the model label of the metrics.
	Model string
	// Timeout bounds a whole call, retries included.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried: rate limits,
	// 5xx and connection errors, never other 4xx.
	MaxRetries int
	// HTTPClient sends the requests; nil uses a client of the provider's own.
	// The provider sends with a copy of it, which refuses redirects to
	// another origin and bounds answers to MaxResponseBytes.
	HTTPClient *http.Client
	// MaxResponseBytes bounds one answer's body as read, after
	// decompression, error bodies included; 0 or less means
	// config.DefaultOpenAIMaxResponseBytes.
	MaxResponseBytes int64
	// Logger receives a debug line for every value OpenAI sent that the
	// provider ignored or clamped; nil discards them.
	Logger *slog.Logger
	// TracerProvider starts a CLIENT span per API request (attempt), after
	// the GenAI semantic conventions; nil starts none.
	TracerProvider trace.TracerProvider
	// CaptureMessageContent puts the messages and the reply on the spans,
	// each cut to openaimetrics.MaxCapturedMessageBytes; off, no span holds
	// any text of theirs.
	CaptureMessageContent bool
}

// Backoff bounds the wait between attempts when OpenAI does not say how long
// to wait: exponential from Initial, capped at Max, each wait between half
// and all of its step (retry.EqualJitter).
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// DefaultBackoff is the backoff of OpenAI's own client libraries.
func DefaultBackoff() Backoff { return Backoff{Initial: 500 * time.Millisecond, Max: 8 * time.Second} }

// maxHonouredRetryAfter caps a server-requested wait: a longer one is not
// waited for within a chat request; the error reports it instead.
const maxHonouredRetryAfter = time.Minute

// Provider calls OpenAI. It is safe for concurrent use.
type Provider struct {
	client     *openai.Client
	model      string
	timeout    time.Duration
	maxRetries int
	recorder   *Recorder
	backoff    Backoff
	sleep      func(ctx context.Context, d time.Duration) error
	now        func() time.Time
	untrusted  *untrustedValues
	spans      *spans
}

// Option changes a Provider's defaults.
type Option func(*Provider)

// WithBackoff sets the backoff between attempts (default DefaultBackoff()).
func WithBackoff(b Backoff) Option { return func(p *Provider) { p.backoff = b } }

// WithSleep replaces the wait between attempts, for tests.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(p *Provider) { p.sleep = sleep }
}

// New creates a Provider that records into recorder (which may be nil).
func New(cfg Config, recorder *Recorder, opts ...Option) *Provider {
	clientCfg := openai.DefaultConfig(cfg.APIKey.Reveal())
	clientCfg.BaseURL = cfg.BaseURL
	maxBytes := cfg.MaxResponseBytes
	if maxBytes <= 0 {
		maxBytes = config.DefaultOpenAIMaxResponseBytes
	}
	clientCfg.HTTPClient = newHTTPClient(cfg.HTTPClient, cfg.BaseURL, maxBytes)
	p := &Provider{
		client:     openai.NewClientWithConfig(clientCfg),
		model:      cfg.Model,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		recorder:   recorder,
		backoff:    DefaultBackoff(),
		sleep:      retry.SleepContext,
		now:        time.Now,
		untrusted:  newUntrustedValues(cfg.Logger, cfg.APIKey),
		spans:      newSpans(cfg.TracerProvider, cfg.Model, cfg.BaseURL, cfg.CaptureMessageContent),
	}
	for _, opt := range opts {
		opt(p)
	}
	return p
}

// Model is the model the provider asks for.
func (p *Provider) Model() string { return p.model }

// Message is one chat message.
type Message struct {
	Role    string
	Content string
}

// Chat roles.
const (
	RoleSystem = openai.ChatMessageRoleSystem
	RoleUser   = openai.ChatMessageRoleUser
)

// Request is a chat completion request.
type Request struct {
	Messages []Message
	// MaxTokens bounds the completion; 0 leaves it to OpenAI.
	MaxTokens int
}

// Response is a chat completion.
type Response struct {
	Reply string
	// Model is the model that answered, as OpenAI reports it.
	Model string
	Usage Usage
	// RequestID is OpenAI's x-request-id.
	RequestID string
	// Attempts is how many API requests the call made.
	Attempts int
}

// Chat asks OpenAI for a completion. Each attempt is one API request in the
// metrics, and one CLIENT span, recorded with that span's context. A failure
// is an *Error.
func (p *Provider) Chat(ctx context.Context, req Request) (Response, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	creq := p.completionRequest(req)
	var wait time.Duration // before the attempt
	for attempt := 1; ; attempt++ {
		attemptCtx, span := p.spans.startAttempt(ctx, attempt, wait, &creq)
		start := p.now()
		resp, err := p.client.CreateChatCompletion(attemptCtx, creq)
		elapsed := p.now().Sub(start)
		header := http.Header(resp.Header())
		rec := Attempt{Duration: elapsed, RateLimits: ParseRateLimits(header)}
		if rec.RateLimits.ignored != 0 {
			p.untrusted.rateLimits(attemptCtx, header, rec.RateLimits)
		}
		if err == nil {
			usage := p.untrusted.usage(attemptCtx, resp.Usage)
			rec.Usage = usage
			p.recorder.Record(attemptCtx, rec)
			out := Response{Model: resp.Model, Usage: usage, RequestID: headerValue(header, "X-Request-Id"), Attempts: attempt}
			span.succeeded(&resp, usage, out.RequestID)
			if len(resp.Choices) > 0 {
				out.Reply = resp.Choices[0].Message.Content
			}
			return out, nil
		}
		// go-openai keeps the answer's header before it reads the body: a
		// header tells that an answer came, whether or not it was read.
		f := classify(err, header != nil)
		rec.Failed, rec.Kind = true, f.kind
		p.recorder.Record(attemptCtx, rec)
		callErr := &Error{
			Kind: f.kind, StatusCode: f.statusCode, Code: f.code,
			RetryAfter: p.untrusted.retryAfter(attemptCtx, header, p.now()), RequestID: headerValue(header, "X-Request-Id"),
			Attempts: attempt, Err: err,
		}
		span.failed(f.kind, callErr.RequestID)
		if f.err != nil {
			callErr.Err = f.err
		}
		if !f.retryable || attempt > p.maxRetries {
			return Response{}, callErr
		}
		var ok bool
		if wait, ok = p.waitBeforeRetry(ctx, callErr, attempt); !ok {
			return Response{}, callErr
		}
	}
}

// completionRequest is the chat completion request that asks for req.
func (p *Provider) completionRequest(req Request) openai.ChatCompletionRequest {
	creq := openai.ChatCompletionRequest{
		Model:               p.model,
		Messages:            make([]openai.ChatCompletionMessage, len(req.Messages)),
		MaxCompletionTokens: req.MaxTokens,
	}
	for i, msg := range req.Messages {
		creq.Messages[i] = openai.ChatCompletionMessage{Role: msg.Role, Content: msg.Content}
	}
	return creq
}

// waitBeforeRetry waits before the attempt after the given failed one: the
// wait OpenAI asked for, or the backoff. It returns the wait, and false when
// there is no attempt left, no time left for it (or it is too long to
// honour), or ctx ended meanwhile: the call then fails with callErr.
func (p *Provider) waitBeforeRetry(ctx context.Context, callErr *Error, attempt int) (time.Duration, bool) {
	wait, err := p.retrier().Wait(ctx, attempt, callErr.RetryAfter)
	return wait, err == nil
}

// retrier is the provider's retry policy, on its clock and sleep.
func (p *Provider) retrier() retry.Retrier {
	return retry.Retrier{
		Policy: retry.Policy{
			MaxAttempts:   p.maxRetries + 1,
			BaseDelay:     p.backoff.Initial,
			MaxDelay:      p.backoff.Max,
			MaxRetryAfter: maxHonouredRetryAfter,
			Jitter:        retry.EqualJitter,
		},
		Now:   p.now,
		Sleep: p.sleep,
	}
}

// isTransportError tells whether err is a failure to reach OpenAI or to read
// its answer: a refused or reset connection, a DNS failure, a cut body.
func isTransportError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// transportCause strips the request URL from a transport error.
func transportCause(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
