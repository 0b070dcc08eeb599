package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/scanium/openai-monitoring/backend/config"
)

// keyring checks client API keys in constant time: keys are compared as
// SHA-256 digests, every key every time, so neither a key's length nor which
// key matched shows in the timing.
type keyring struct {
	digests [][sha256.Size]byte
}

func newKeyring(keys []config.Secret) keyring {
	k := keyring{digests: make([][sha256.Size]byte, len(keys))}
	for i, key := range keys {
		k.digests[i] = sha256.Sum256([]byte(key.Reveal()))
	}
	return k
}

func (k keyring) valid(presented string) bool {
	d := sha256.Sum256([]byte(presented))
	match := 0
	for i := range k.digests {
		match |= subtle.ConstantTimeCompare(d[:], k.digests[i][:])
	}
	return match == 1
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticate answers 401 and returns false unless r carries a valid key.
func (k keyring) authenticate(w http.ResponseWriter, r *http.Request) bool {
	token, ok := bearerToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scanium"`)
		writeError(w, r, http.StatusUnauthorized, CodeMissingAPIKey,
			"missing API key: send it as the header \"Authorization: Bearer <key>\"")
		return false
	}
	if !k.valid(token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scanium", error="invalid_token"`)
		writeError(w, r, http.StatusUnauthorized, CodeInvalidAPIKey,
			"invalid API key: use one of the keys configured in SCANIUM_API_KEYS on the server")
		return false
	}
	return true
}
