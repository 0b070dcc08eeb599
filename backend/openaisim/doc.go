// Package openaisim is an OpenAI-compatible HTTP server for tests, demos and
// load: it answers POST /v1/chat/completions the way api.openai.com does, so
// the backend exercises the same go-openai client path with or without a real
// key.
//
// It is faithful where the backend's monitoring looks: the response shape and
// token usage (prompt caching and reasoning tokens included, see below),
// bearer-key authentication, the x-ratelimit-* headers with
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
// Token usage is estimated without a tokenizer: four characters a token,
// plus a few tokens of framing per message and of priming for the reply.
//
// Prompt caching works as OpenAI's: a prompt of at least 1024 tokens whose
// beginning the same model answered before reads that beginning from the
// cache, and usage.prompt_tokens_details.cached_tokens (a part of
// prompt_tokens) is the longest such prefix of 1024 + 128·k tokens, never
// more than the prompt. A prompt's tokens are defined from its messages in
// order (framing, role, name, text in four-character tokens, images), so
// prompts share a prefix exactly when their messages agree up to it. The
// cache remembers the prefixes of answered requests only, at most
// Config.PromptCacheSize of them (the least recently used go first), and
// forgets those unused for 10 minutes of Config.Now's clock.
//
// Reasoning models (the o-series: o1, o3, o3-mini, o4-mini, ...; the gpt-5
// family: gpt-5, gpt-5-mini, gpt-5-nano, but not gpt-5-chat-latest) think
// three tokens per token of the reply they write:
// usage.completion_tokens_details.reasoning_tokens is that part of
// completion_tokens, and 0 for other models. max_completion_tokens bounds
// reasoning and reply together: a choice cut at the limit finishes with
// "length", with its reply cut short, or empty when the reasoning took the
// whole limit. As OpenAI does, reasoning models refuse max_tokens with a
// 400 (unsupported_parameter).
//
// Streaming is not simulated: a request with "stream": true is refused with
// a 400.
package openaisim
