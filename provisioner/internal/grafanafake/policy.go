package grafanafake

import (
	"fmt"
	"net/http"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// route is Grafana's notification policy (definitions.Route); durations
// are stored parsed and served in Prometheus' format, as Grafana does.
type route struct {
	Receiver            string     `json:"receiver,omitempty"`
	GroupBy             []string   `json:"group_by,omitempty"`
	Continue            bool       `json:"continue,omitempty"`
	ObjectMatchers      [][]string `json:"object_matchers,omitempty"`
	MuteTimeIntervals   []string   `json:"mute_time_intervals,omitempty"`
	ActiveTimeIntervals []string   `json:"active_time_intervals,omitempty"`
	Routes              []*route   `json:"routes,omitempty"`
	GroupWait           string     `json:"group_wait,omitempty"`
	GroupInterval       string     `json:"group_interval,omitempty"`
	RepeatInterval      string     `json:"repeat_interval,omitempty"`
	Provenance          string     `json:"provenance,omitempty"`
}

func defaultPolicy() *route {
	return &route{Receiver: "grafana-default-email", GroupBy: []string{"grafana_folder", "alertname"}}
}

// resetAlerting gives a fresh Grafana's contact point and policy. Call
// with s.mu held (or before serving).
func (s *Server) resetAlerting() {
	s.contactPoints = []*contactPoint{{
		UID: "ddefaultcp01", Name: "grafana-default-email", Type: "email",
		Settings: map[string]any{"addresses": "<example@email.com>"},
	}}
	s.policy, s.policyProv = defaultPolicy(), ""
}

func (s *Server) getPolicy(w http.ResponseWriter, _ *http.Request, _ caller) {
	out := *s.policy
	out.Provenance = s.policyProv
	writeJSON(w, http.StatusOK, &out)
}

func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request, _ caller) {
	var root route
	if !decodeBody(w, r, &root) {
		return
	}
	if root.Receiver == "" {
		writeError(w, http.StatusBadRequest, "invalid object specification: root route must specify a default receiver")
		return
	}
	if err := s.normaliseRoute(&root); err != nil {
		writeError(w, http.StatusBadRequest, "invalid object specification: "+err.Error())
		return
	}
	provenance := requestProvenance(r)
	if err := provenanceChangeAllowed(s.policyProv, provenance); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	root.Provenance = ""
	s.policy, s.policyProv = &root, provenance
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "policies updated"})
}

func (s *Server) resetPolicy(w http.ResponseWriter, _ *http.Request, _ caller) {
	s.policy, s.policyProv = defaultPolicy(), ""
	writeJSON(w, http.StatusAccepted, s.policy)
}

// normaliseRoute checks receivers and matchers and rewrites durations as
// Grafana serves them ("60s" becomes "1m"). Call with s.mu held.
func (s *Server) normaliseRoute(r *route) error {
	if r.Receiver != "" && s.integrations(r.Receiver) == 0 {
		return fmt.Errorf("receiver '%s' does not exist", r.Receiver)
	}
	for _, m := range r.ObjectMatchers {
		if len(m) != 3 || !contains(bundle.MatcherOperators(), m[1]) {
			return fmt.Errorf("invalid matcher %q", m)
		}
	}
	for _, d := range []*string{&r.GroupWait, &r.GroupInterval, &r.RepeatInterval} {
		if *d == "" {
			continue
		}
		v, err := parseDuration(*d)
		if err != nil {
			return err
		}
		*d = formatDuration(v)
	}
	r.Provenance = ""
	for _, child := range r.Routes {
		if child == nil {
			return fmt.Errorf("null route")
		}
		if err := s.normaliseRoute(child); err != nil {
			return err
		}
	}
	return nil
}

// inUse reports whether the policy tree routes to receiver. Call with s.mu
// held.
func (s *Server) inUse(receiver string) bool {
	var walk func(r *route) bool
	walk = func(r *route) bool {
		if r.Receiver == receiver {
			return true
		}
		for _, c := range r.Routes {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(s.policy)
}
