package openaisim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestAuthentication(t *testing.T) {
	const accepted, other = "sk-accepted-key-1", "sk-wrong-secret-key-2"
	restricted := start(t, openaisim.Config{APIKeys: []string{"sk-another", accepted}})
	open := start(t, openaisim.Config{})

	for _, tc := range []struct {
		name   string
		sim    *sim
		key    string
		status int // 0: success
	}{
		{"accepted key", restricted, accepted, 0},
		{"wrong key", restricted, other, http.StatusUnauthorized},
		{"no key", restricted, "", http.StatusUnauthorized},
		{"any key when none is configured", open, other, 0},
		{"no key when none is configured", open, "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := newClient(tc.sim.run.URL(), tc.key).CreateChatCompletion(context.Background(), chat("desk lamp"))
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("CreateChatCompletion: %v", err)
				}
				return
			}
			apiErr := asAPIError(t, err)
			if apiErr.HTTPStatusCode != tc.status || apiErr.Code != "invalid_api_key" || apiErr.Type != "invalid_request_error" {
				t.Errorf("got %d %q %v, want 401 invalid_request_error invalid_api_key", apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code)
			}
			if tc.key != "" && strings.Contains(apiErr.Message, tc.key[3:]) {
				t.Errorf("the error message quotes the key")
			}
			if resp.GetRateLimitHeaders().LimitRequests != 0 {
				t.Errorf("a 401 carries rate-limit headers, as OpenAI's do not")
			}
		})
	}
	if st := restricted.srv.Stats(); st.Unauthorized != 2 || st.Succeeded != 1 {
		t.Errorf("stats = %+v, want 2 unauthorized and 1 succeeded", st)
	}
}

func TestAuthorizationSchemes(t *testing.T) {
	s := start(t, openaisim.Config{APIKeys: []string{testKey}})
	body := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}`
	for auth, want := range map[string]int{
		"Bearer " + testKey: http.StatusOK,
		"bearer " + testKey: http.StatusOK,
		"Basic " + testKey:  http.StatusUnauthorized,
		"Bearer ":           http.StatusUnauthorized,
		testKey:             http.StatusUnauthorized,
	} {
		if status, _, got := s.do(t, http.MethodPost, "/v1/chat/completions", body, auth); status != want {
			t.Errorf("Authorization %q: status %d, want %d: %s", strings.ReplaceAll(auth, testKey, "<key>"), status, want, got)
		}
	}
}
