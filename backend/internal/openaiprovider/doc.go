// Package openaiprovider asks OpenAI's chat completions API for answers,
// whole (Chat) or streamed in chunks (ChatStream), through
// github.com/sashabaranov/go-openai over HTTP, retrying what is worth
// retrying, and records every API request into the metric contract of
// package openaimetrics.
//
// A streamed call is retried only before its first chunk was handed over,
// ends with its caller (a cancelled attempt is recorded with status
// cancelled, not as an error), and records the time to its first content
// chunk. A stream cut mid-way, or ended before a chunk finished the answer,
// is a PROVIDER_ERROR: like an undecodable answer, it may have been billed.
//
// The server at the base URL is not trusted to behave: it may be a proxy, a
// compatible server, or something posing as either. So:
//
//   - Origin. Redirects are followed within the base URL's origin (scheme,
//     host and port) only. A redirect elsewhere would carry the API key
//     (net/http drops Authorization when the host name changes, not when the
//     port or the scheme does); it is refused with a *RedirectError naming
//     both origins, a PROVIDER_ERROR that is not retried. A caller's
//     Config.HTTPClient gets the same policy, on a copy.
//   - Body bound. Every answer's body, error bodies included, is read up to
//     Config.MaxResponseBytes (4 MiB by default) after decompression; the
//     read beyond fails with a *ResponseTooLargeError, a PROVIDER_ERROR that
//     is not retried. A small gzip that expands to gigabytes costs a few MiB.
//   - Number bounds. x-ratelimit-* counts above 1e12, resets above 72 h,
//     usage counts above 1e9 tokens, and negative, NaN or malformed values
//     are ignored: the gauge keeps its value, the tokens are not counted and
//     read 0. So is a part of the usage larger than its whole (cached tokens
//     above the prompt tokens, reasoning tokens above the completion
//     tokens), whose whole is kept: cached_input never exceeds input, nor
//     reasoning output. A retry-after-ms or Retry-After above an hour is clamped to an
//     hour, which is too long to wait within a call, so the call fails and
//     reports that wait; NaN, Inf and negative waits ask for none. Each
//     ignored or clamped value is one debug line of Config.Logger, with a
//     running count, never a metric label.
//   - Answered but undecodable. An answer with a success status whose body
//     cannot be read or decoded (empty, truncated, not JSON, cut mid-body,
//     over the bound) is a PROVIDER_ERROR and is not retried: the request
//     reached OpenAI, which may have billed it, and sending it again could
//     bill it again. Failures before any answer (a refused or reset
//     connection, a timeout) are PROVIDER_UNAVAILABLE, and retried while time
//     is left. An error status whose body is cut is classified by its status.
package openaiprovider
