package config

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Redactor replaces secrets in text with <secret>: the known secrets of a
// Config (the token, the password, "user:password" and its base64 Basic
// credential, as they are and JSON- or URL-escaped), the userinfo of any
// URL, and the values of query parameters whose names look secret (token,
// access_token, api_key, apikey, key, password, secret, auth, signature,
// ...; case-insensitive). Everything that may carry a server's text or a
// URL goes through one before it is printed.
//
// A nil *Redactor still redacts URLs. It is safe for concurrent use.
type Redactor struct {
	known *strings.Replacer // nil when the Config holds no secret
}

// Redactor returns the redaction of c's secrets.
func (c Config) Redactor() *Redactor {
	var secrets []string
	if c.Token.IsSet() {
		secrets = append(secrets, c.Token.Reveal())
	}
	if c.Password.IsSet() {
		pair := c.User + ":" + c.Password.Reveal()
		secrets = append(secrets, c.Password.Reveal(), pair,
			base64.StdEncoding.EncodeToString([]byte(pair)),
			base64.RawStdEncoding.EncodeToString([]byte(pair)),
			base64.URLEncoding.EncodeToString([]byte(pair)),
			base64.RawURLEncoding.EncodeToString([]byte(pair)))
	}
	// Each as it is, and as a server may have escaped it in JSON or a URL.
	seen := map[string]bool{}
	var forms []string
	for _, s := range secrets {
		for _, f := range []string{s, jsonEscaped(s), url.QueryEscape(s), url.PathEscape(s)} {
			if f != "" && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	// Longest first, so that "user:password" is replaced whole rather than
	// around its password (strings.Replacer tries the pairs in order).
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, redacted)
	}
	return &Redactor{known: strings.NewReplacer(pairs...)}
}

// jsonEscaped is s as it appears inside a JSON string.
func jsonEscaped(s string) string {
	raw, err := json.Marshal(s)
	if err != nil || len(raw) < 2 {
		return ""
	}
	return string(raw[1 : len(raw)-1])
}

// userinfo matches the userinfo of a URL: scheme://user:password@.
var userinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@"'<>\\]+@`)

// queryParam matches one query parameter: [?&;]name=value.
var queryParam = regexp.MustCompile(`([?&;])([^=&;?#\s"'<>\\]+)=([^&;#\s"'<>\\]*)`)

// secretParamWords make a parameter name secret when the name contains one.
var secretParamWords = []string{"token", "secret", "passw", "pwd", "signature", "auth", "apikey", "api_key", "credential", "session", "jwt"}

// secretParamNames are secret as whole names (or the last _-separated part).
var secretParamNames = map[string]bool{"key": true, "sig": true, "pass": true, "code": true}

// secretParam reports whether a query parameter's name looks like it
// holds a secret.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	if decoded, err := url.QueryUnescape(n); err == nil {
		n = decoded
	}
	n = strings.NewReplacer("-", "_", ".", "_").Replace(n)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	if i := strings.LastIndexByte(n, '_'); i >= 0 {
		n = n[i+1:]
	}
	return secretParamNames[n]
}

// Redact returns s with every secret replaced by <secret>.
func (r *Redactor) Redact(s string) string {
	if r != nil && r.known != nil {
		s = r.known.Replace(s)
	}
	if strings.Contains(s, "@") {
		s = userinfo.ReplaceAllString(s, "${1}"+redacted+"@")
	}
	if strings.Contains(s, "=") {
		s = queryParam.ReplaceAllStringFunc(s, func(m string) string {
			sub := queryParam.FindStringSubmatch(m)
			if sub[3] == "" || sub[3] == redacted || !secretParam(sub[2]) {
				return m
			}
			return sub[1] + sub[2] + "=" + redacted
		})
	}
	return s
}

// Writer returns a writer that redacts what it passes on to w. It holds
// an incomplete line until its newline (or Flush), so that a secret split
// across two writes is still found; call Flush when done.
func (r *Redactor) Writer(w io.Writer) *RedactingWriter {
	return &RedactingWriter{r: r, w: w}
}

// maxPending bounds what a RedactingWriter holds while it waits for a
// newline.
const maxPending = 64 << 10

// RedactingWriter is the writer of Redactor.Writer. It is safe for
// concurrent use: each Write is passed on whole.
type RedactingWriter struct {
	r *Redactor
	w io.Writer

	mu      sync.Mutex
	pending []byte
}

// Write redacts and passes on every complete line of p (with what was
// pending); it keeps the rest.
func (rw *RedactingWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.pending = append(rw.pending, p...)
	end := bytes.LastIndexByte(rw.pending, '\n') + 1
	if end == 0 && len(rw.pending) < maxPending {
		return len(p), nil
	}
	if end == 0 {
		end = len(rw.pending)
	}
	err := rw.emit(end)
	return len(p), err
}

// Flush passes on what is pending.
func (rw *RedactingWriter) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.emit(len(rw.pending))
}

// emit redacts and writes pending[:n]. Call with mu held.
func (rw *RedactingWriter) emit(n int) error {
	if n == 0 {
		return nil
	}
	out := rw.r.Redact(string(rw.pending[:n]))
	rw.pending = append(rw.pending[:0], rw.pending[n:]...)
	_, err := io.WriteString(rw.w, out)
	return err
}
