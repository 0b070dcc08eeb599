package httpapi

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// traced starts a SERVER span per API request, named by method and route
// (m.SpanChatRequest for the chat endpoint), continuing the trace of an
// incoming W3C traceparent. It sits outside the access log, so that the log
// line is written with the span in its context. The health endpoints are not
// traced: probes every few seconds would bury the requests. A nil tp traces
// nothing.
//
// The span has the attributes of the HTTP server conventions that otelhttp
// sets (server.address and .port, http.request.method, url.scheme, url.path,
// network.peer.address and .port, client.address, user_agent.original,
// network.protocol.version, http.route, http.request.body.size,
// http.response.body.size, http.response.status_code), and status Error for a
// 5xx answer. Its options
// are made once and its attributes are gathered in a reused buffer: a request
// pays for the span itself only.
func traced(tp trace.TracerProvider, propagator propagation.TextMapPropagator, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	if propagator == nil {
		propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	return &serverSpans{
		tracer:     tp.Tracer(serverMetricsScope),
		propagator: propagator,
		start:      []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
		next:       next,
	}
}

// serverSpans is the handler traced returns.
type serverSpans struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	start      []trace.SpanStartOption
	next       http.Handler
}

// maxServerSpanAttrs is the most attributes a server span has.
const maxServerSpanAttrs = 16

// spanAttrBuffers holds the buffers server span attributes are gathered in;
// the SDK copies them, so a buffer is reused at once.
var spanAttrBuffers = sync.Pool{New: func() any { return new([maxServerSpanAttrs]attribute.KeyValue) }}

// tracedExchange is the writer and the request body of a traced request,
// made in one allocation.
type tracedExchange struct {
	statusWriter
	body countingBody
}

// countingBody counts the bytes read of a request body.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

func (s *serverSpans) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath || r.URL.Path == ReadyPath {
		s.next.ServeHTTP(w, r)
		return
	}
	ctx := s.propagator.Extract(r.Context(), canonicalCarrier(r.Header))
	ctx, span := s.tracer.Start(ctx, spanName(r), s.start...)
	defer span.End()
	if !span.IsRecording() {
		s.next.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	ex := &tracedExchange{statusWriter: statusWriter{ResponseWriter: w}}
	if r.Body != nil && r.Body != http.NoBody {
		// net/http checks the type of the body it gave once the handler
		// returns: the request's own body is put back.
		orig := r.Body
		ex.body.ReadCloser = orig
		r.Body = &ex.body
		defer func() { r.Body = orig }()
	}
	s.next.ServeHTTP(&ex.statusWriter, r.WithContext(ctx))

	status := ex.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	buf := spanAttrBuffers.Get().(*[maxServerSpanAttrs]attribute.KeyValue)
	attrs := requestSpanAttrs(buf[:0], r)
	if ex.body.n > 0 {
		attrs = append(attrs, semconv.HTTPRequestBodySize(int(ex.body.n)))
	}
	if ex.bytes > 0 {
		attrs = append(attrs, semconv.HTTPResponseBodySize(int(ex.bytes)))
	}
	attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	span.SetAttributes(attrs...)
	clear(buf[:]) // let the request's strings go
	spanAttrBuffers.Put(buf)
	switch {
	case status < 100 || status >= 600:
		span.SetStatus(codes.Error, fmt.Sprintf("Invalid HTTP status code %d", status))
	case status >= http.StatusInternalServerError:
		span.SetStatus(codes.Error, "")
	}
}

// canonicalCarrier is propagation.HeaderCarrier, but it looks up the W3C
// propagators' headers by their canonical names, made once: asked for
// "traceparent", http.Header.Get would make "Traceparent" on every request.
type canonicalCarrier http.Header

var canonicalPropagationHeaders = map[string]string{
	"traceparent": "Traceparent", "tracestate": "Tracestate", "baggage": "Baggage",
}

func (c canonicalCarrier) Get(key string) string {
	if name, ok := canonicalPropagationHeaders[key]; ok {
		if v := c[name]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return http.Header(c).Get(key)
}

func (c canonicalCarrier) Set(key, value string) { propagation.HeaderCarrier(c).Set(key, value) }

func (c canonicalCarrier) Keys() []string { return propagation.HeaderCarrier(c).Keys() }

func (c canonicalCarrier) Values(key string) []string {
	if name, ok := canonicalPropagationHeaders[key]; ok {
		return c[name]
	}
	return propagation.HeaderCarrier(c).Values(key)
}

// spanMethods are the http.request.method values of HTTP's own methods.
var spanMethods = map[string]attribute.KeyValue{
	http.MethodConnect: semconv.HTTPRequestMethodConnect,
	http.MethodDelete:  semconv.HTTPRequestMethodDelete,
	http.MethodGet:     semconv.HTTPRequestMethodGet,
	http.MethodHead:    semconv.HTTPRequestMethodHead,
	http.MethodOptions: semconv.HTTPRequestMethodOptions,
	http.MethodPatch:   semconv.HTTPRequestMethodPatch,
	http.MethodPost:    semconv.HTTPRequestMethodPost,
	http.MethodPut:     semconv.HTTPRequestMethodPut,
	http.MethodTrace:   semconv.HTTPRequestMethodTrace,
}

var (
	schemeHTTP  = semconv.URLScheme("http")
	schemeHTTPS = semconv.URLScheme("https")
	// chatRoute is the http.route of the chat endpoint; a path no route
	// matches has none, as the conventions say.
	chatRoute = semconv.HTTPRoute(m.HTTPRouteChat)
)

// requestSpanAttrs appends the attributes of r to attrs, as otelhttp's
// server conventions make them for a request whose route is known: at most 13.
func requestSpanAttrs(attrs []attribute.KeyValue, r *http.Request) []attribute.KeyValue {
	tls := r.TLS != nil
	host, port := splitHostPort(r.Host)
	scheme := schemeHTTP
	if tls {
		scheme = schemeHTTPS
	}
	method, known := spanMethods[r.Method]
	var original attribute.KeyValue
	if !known {
		method = semconv.HTTPRequestMethodOther
		if r.Method != "" {
			original = semconv.HTTPRequestMethodOriginal(r.Method)
			if upper, ok := spanMethods[strings.ToUpper(r.Method)]; ok {
				method = upper
			}
		}
	}
	attrs = append(attrs, semconv.ServerAddress(host), method, scheme)
	if port > 0 && (tls && port != 443 || !tls && port != 80) {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if original.Valid() {
		attrs = append(attrs, original)
	}
	peer, peerPort := splitHostPort(r.RemoteAddr)
	if peer != "" {
		attrs = append(attrs, semconv.NetworkPeerAddress(peer))
		if peerPort > 0 {
			attrs = append(attrs, semconv.NetworkPeerPort(peerPort))
		}
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginal(ua))
	}
	client, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
	if client == "" {
		client = peer
	}
	if client != "" {
		attrs = append(attrs, semconv.ClientAddress(client))
	}
	if r.URL != nil && r.URL.Path != "" {
		attrs = append(attrs, semconv.URLPath(r.URL.Path))
		if r.URL.Path == ChatPath {
			attrs = append(attrs, chatRoute)
		}
	}
	name, version, _ := strings.Cut(r.Proto, "/")
	if name != "" && name != "HTTP" {
		attrs = append(attrs, semconv.NetworkProtocolName(strings.ToLower(name)))
	}
	if version != "" {
		attrs = append(attrs, semconv.NetworkProtocolVersion(version))
	}
	return attrs
}

// splitHostPort splits "host:port", "[v6]:port", "host" or "[v6]"; port is
// -1 when there is none, or it is not a number.
func splitHostPort(hostport string) (host string, port int) {
	port = -1
	if strings.HasPrefix(hostport, "[") {
		end := strings.LastIndexByte(hostport, ']')
		if end < 0 {
			return "", port
		}
		if !strings.Contains(hostport[end:], ":") {
			return hostport[1:end], port
		}
	} else if !strings.Contains(hostport, ":") {
		return hostport, port
	}
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return host, port
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return host, port
	}
	return host, int(n)
}

// spanName is "METHOD route" for the API's routes and "METHOD" for any other
// path; a method outside HTTP's own is "HTTP". Both parts are bounded, never
// the raw path.
func spanName(r *http.Request) string {
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
	default:
		method = "HTTP"
	}
	switch r.URL.Path {
	case ChatPath:
		if method == http.MethodPost {
			return m.SpanChatRequest
		}
		return method + " " + ChatPath
	case HealthPath, ReadyPath:
		return method + " " + r.URL.Path
	}
	return method
}
