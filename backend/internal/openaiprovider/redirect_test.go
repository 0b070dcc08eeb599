package openaiprovider

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// TestChatRefusesRedirectToAnotherOrigin: a server at the base URL
// redirects the chat request elsewhere. Go would follow a change of port or
// scheme with the Authorization header; the provider refuses it before
// sending anything there, once, as a PROVIDER_ERROR that names both origins
// and nothing of the paths or queries.
func TestChatRefusesRedirectToAnotherOrigin(t *testing.T) {
	var targetSawKey atomic.Bool
	target := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), testKey) {
			targetSawKey.Store(true)
		}
		writeCompletion(w)
	})
	for _, tc := range []struct {
		name     string
		location func(origin *handlerServer) string
		client   func() *http.Client
		want     func(origin *handlerServer) string // the refused origin
	}{
		{
			name:     "another port",
			location: func(*handlerServer) string { return target.URL + "/v1/chat/completions?session=q1" },
			want:     func(*handlerServer) string { return target.URL },
		},
		{
			name:     "another scheme",
			location: func(o *handlerServer) string { return "https://" + o.Listener.Addr().String() + "/v1/chat/completions" },
			want:     func(o *handlerServer) string { return "https://" + o.Listener.Addr().String() },
		},
		{
			name:     "caller's HTTP client",
			location: func(*handlerServer) string { return target.URL + "/v1/chat/completions" },
			client:   func() *http.Client { return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()} },
			want:     func(*handlerServer) string { return target.URL },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target.hits.Store(0)
			targetSawKey.Store(false)
			var origin *handlerServer
			origin = newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.location(origin), http.StatusTemporaryRedirect)
			})
			var client *http.Client
			if tc.client != nil {
				client = tc.client()
			}
			f := newFixtureAt(t, origin.URL+"/v1", Config{MaxRetries: 2, HTTPClient: client})
			_, err := f.chat(t)
			if targetSawKey.Load() || target.hits.Load() != 0 {
				t.Fatalf("the redirect target received %d requests (key seen: %v), want none", target.hits.Load(), targetSawKey.Load())
			}
			var perr *Error
			if !errors.As(err, &perr) || perr.Kind != KindProviderError || perr.Attempts != 1 || origin.hits.Load() != 1 {
				t.Fatalf("got %v after %d requests, want one PROVIDER_ERROR attempt", err, origin.hits.Load())
			}
			var redirect *RedirectError
			if !errors.As(err, &redirect) || redirect.From != "http://"+origin.Listener.Addr().String() || redirect.To != tc.want(origin) {
				t.Errorf("error %#v, want a *RedirectError from %s to %s", perr.Err, origin.URL, tc.want(origin))
			}
			msg := perr.Error()
			for _, want := range []string{origin.URL, tc.want(origin), "redirect"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			for _, leak := range []string{testKey, "/v1", "session", "?"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows %q: only the origins belong there", msg, leak)
				}
			}
			if got := f.requests(t, m.ErrorProviderError); got != 1 {
				t.Errorf("PROVIDER_ERROR requests = %d, want 1", got)
			}
			if client != nil {
				if _, own := client.Transport.(*http.Transport); !own || client.CheckRedirect != nil {
					t.Error("the caller's HTTP client was changed")
				}
			}
		})
	}
}

// TestChatFollowsSameOriginRedirect: a redirect within the base URL's
// origin is followed, key included, and the answer counts as one request.
func TestChatFollowsSameOriginRedirect(t *testing.T) {
	var sawKeyAfterRedirect atomic.Bool
	s := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/chat/completions" {
			http.Redirect(w, r, "/v2/chat/completions", http.StatusTemporaryRedirect)
			return
		}
		sawKeyAfterRedirect.Store(r.Header.Get("Authorization") == "Bearer "+testKey)
		writeCompletion(w)
	})
	f := newFixtureAt(t, s.URL+"/v1", Config{})
	resp, err := f.chat(t)
	if err != nil || resp.Reply == "" || resp.Attempts != 1 {
		t.Fatalf("got %+v, %v: want the redirected answer", resp, err)
	}
	if !sawKeyAfterRedirect.Load() || s.hits.Load() != 2 {
		t.Errorf("%d requests, key after redirect %v: want the redirect followed with the key", s.hits.Load(), sawKeyAfterRedirect.Load())
	}
	if got := f.requests(t, ""); got != 1 {
		t.Errorf("success requests = %d, want 1", got)
	}
}
