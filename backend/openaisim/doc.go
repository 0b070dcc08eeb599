// Package openaisim is an OpenAI-compatible HTTP server for tests, demos and
// load: it answers POST /v1/chat/completions the way api.openai.com does, so
// the backend exercises the same go-openai client path with or without a real
// key.
//
// It is faithful where the backend's monitoring looks: the response shape and
// token usage (prompt caching and reasoning tokens included, see below),
// streamed answers, bearer-key authentication, the x-ratelimit-* headers with
// windows that really run out (a 429 with retry-after), a long-tailed time to
// first token and a per-model pace of generation, and the failures OpenAI
// really produces (JSON 401, 429, 500 and 503, an HTML 502 from the proxy in
// front, requests that hang, and streams cut or ended by an error chunk).
// Faults come by probability from a seeded generator, or by script for exact
// counts.
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
// Latency is a time to first token drawn from a log-normal distribution
// (Latency.Median, Latency.P99), then each model's pace (Latency.Pace, tokens
// per second) for every token it generates, reasoning tokens first: a
// reasoning model's first content token comes after its reasoning. An answer
// not streamed arrives with its last token. Every wait goes through
// Config.Sleep, so a test with a ManualClock follows the schedule step by
// step (ManualClock.Sleeping, ManualClock.Advance) without waiting.
//
// A request with "stream": true is answered as OpenAI streams, once
// authentication, validation, pre-stream faults and rate limits have passed
// (each of those answers as for any request): Content-Type
// text/event-stream, "data: {chunk}" events of object
// "chat.completion.chunk" sharing one id, created, model and
// system_fingerprint, the headers and each choice's role chunk (role
// "assistant", empty content) at its first token, content chunks of a few
// tokens each on the pace (the first holds one token), the last carrying the
// finish reason ("stop", or "length" at max_completion_tokens), then "data:
// [DONE]". Several choices (n > 1) take turns by index. With
// stream_options.include_usage, every chunk has "usage": null and a last
// chunk with no choices carries the usage, exactly the answer not streamed's.
// stream_options without "stream": true is a 400, as OpenAI answers.
//
// Two faults strike mid-stream, where the chunk after the first half of the
// content chunks would go: FaultCut cuts the connection (no usage, no
// [DONE]), FaultErrorChunk sends OpenAI's error chunk, data: {"error":
// {...}}, and ends the stream. A request not streamed that takes one is
// answered normally. A client that leaves mid-stream is counted in
// Stats.Abandoned; cut and errored streams in Stats.StreamCut and
// Stats.StreamError.
//
// The billing ledger (Server.Bill, the Costs and Usage APIs) counts what
// OpenAI bills: an answer's whole usage once it is sent (for a stream, once
// its last chunk is sent); for a stream that ends short (cut, error chunk,
// client gone), the tokens generated so far: the prompt, and for each choice
// that started, its reasoning and the content tokens sent. An answer that
// ends before its first token bills nothing.
package openaisim
