// Package openaisim is an OpenAI-compatible HTTP server for tests, demos and
// load: it answers POST /v1/chat/completions the way api.openai.com does, so
// the backend exercises the same go-openai client path with or without a real
// key.
//
// It is faithful where the backend's monitoring looks: the response shape and
// token usage, bearer-key authentication, the x-ratelimit-* headers with
// windows that really run out (a 429 with retry-after), a long-tailed latency,
// and the failures OpenAI really produces (JSON 401, 429, 500 and 503, an HTML
// 502 from the proxy in front, and requests that hang). Faults come by
// probability from a seeded generator, or by script for exact counts.
//
// The zero Config is what tests want: no latency, no faults, generous rate
// limits, any non-empty key accepted. DefaultConfig is what a demo wants.
//
//	srv, err := openaisim.New(openaisim.Config{})
//	...
//	run, err := srv.Start("127.0.0.1:0")
//	...
//	defer run.Close()
//	cfg := openai.DefaultConfig("sk-test")
//	cfg.BaseURL = run.URL()
//
// Streaming is not simulated: a request with "stream": true is refused with
// a 400.
package openaisim
