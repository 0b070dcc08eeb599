package grafanafake

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// redactedValue replaces secret settings in answers.
const redactedValue = "[REDACTED]"

// secretSettings are the settings Grafana stores encrypted and never
// returns, per integration type.
var secretSettings = map[string][]string{
	"slack":      {"url", "token"},
	"webhook":    {"password", "authorization_credentials"},
	"pagerduty":  {"integrationKey"},
	"telegram":   {"bottoken"},
	"discord":    {"url"},
	"googlechat": {"url"},
	"opsgenie":   {"apiKey"},
	"pushover":   {"apiToken", "userKey"},
	"victorops":  {"url"},
	"teams":      {"url"},
	"line":       {"token"},
	"threema":    {"api_secret"},
	"sensugo":    {"apikey"},
	"kafka":      {"password"},
	"dingding":   {"url"},
	"wecom":      {"url", "secret"},
}

type contactPoint struct {
	UID                   string         `json:"uid"`
	Name                  string         `json:"name"`
	Type                  string         `json:"type"`
	Settings              map[string]any `json:"settings"`
	DisableResolveMessage bool           `json:"disableResolveMessage"`
	Provenance            string         `json:"provenance,omitempty"`
}

// redacted is the contact point as Grafana answers it.
func (cp *contactPoint) redacted() *contactPoint {
	out := *cp
	out.Settings = roundTrip(cp.Settings)
	for _, key := range secretSettings[cp.Type] {
		if v, ok := out.Settings[key]; ok && v != "" {
			out.Settings[key] = redactedValue
		}
	}
	return &out
}

func (s *Server) contactPoint(uid string) (int, *contactPoint) {
	for i, cp := range s.contactPoints {
		if cp.UID == uid {
			return i, cp
		}
	}
	return -1, nil
}

func (s *Server) listContactPoints(w http.ResponseWriter, r *http.Request, _ caller) {
	name := r.URL.Query().Get("name")
	out := []*contactPoint{}
	for _, cp := range s.contactPoints {
		if name == "" || cp.Name == name {
			out = append(out, cp.redacted())
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
}

func validateContactPoint(cp *contactPoint) error {
	switch {
	case strings.TrimSpace(cp.Name) == "":
		return fmt.Errorf("invalid object specification: name is required")
	case !contains(bundle.ContactPointTypes(), cp.Type):
		return fmt.Errorf("invalid object specification: unknown type %q", cp.Type)
	case cp.Settings == nil:
		return fmt.Errorf("invalid object specification: settings are required")
	case cp.UID != "" && !bundle.ValidUID(cp.UID):
		return fmt.Errorf("invalid object specification: uid %q is invalid", cp.UID)
	}
	return nil
}

func (s *Server) createContactPoint(w http.ResponseWriter, r *http.Request, _ caller) {
	var cp contactPoint
	if !decodeBody(w, r, &cp) {
		return
	}
	if err := validateContactPoint(&cp); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if cp.UID == "" {
		cp.UID = generatedUID(s.id())
	}
	if _, existing := s.contactPoint(cp.UID); existing != nil {
		writeError(w, http.StatusBadRequest, "invalid object specification: contact point with this uid already exists")
		return
	}
	cp.Settings = roundTrip(cp.Settings)
	cp.Provenance = requestProvenance(r)
	s.contactPoints = append(s.contactPoints, &cp)
	writeJSON(w, http.StatusAccepted, cp.redacted())
}

func (s *Server) updateContactPoint(w http.ResponseWriter, r *http.Request, _ caller) {
	_, stored := s.contactPoint(r.PathValue("uid"))
	if stored == nil {
		writeError(w, http.StatusNotFound, "contact point not found")
		return
	}
	var cp contactPoint
	if !decodeBody(w, r, &cp) {
		return
	}
	cp.UID = stored.UID
	if err := validateContactPoint(&cp); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	provenance := requestProvenance(r)
	if err := provenanceChangeAllowed(stored.Provenance, provenance); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	settings := roundTrip(cp.Settings)
	// A redacted secret keeps its stored value.
	for _, key := range secretSettings[cp.Type] {
		if settings[key] == redactedValue {
			settings[key] = stored.Settings[key]
		}
	}
	if stored.Name != cp.Name && s.inUse(stored.Name) && s.integrations(stored.Name) == 1 {
		writeError(w, http.StatusConflict, fmt.Sprintf("contact point '%s' is currently used by a notification policy", stored.Name))
		return
	}
	stored.Name, stored.Type, stored.Settings = cp.Name, cp.Type, settings
	stored.DisableResolveMessage = cp.DisableResolveMessage
	stored.Provenance = provenance
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "contactpoint updated"})
}

func (s *Server) deleteContactPoint(w http.ResponseWriter, r *http.Request, _ caller) {
	i, cp := s.contactPoint(r.PathValue("uid"))
	if cp == nil {
		writeError(w, http.StatusNotFound, "contact point not found")
		return
	}
	if s.inUse(cp.Name) && s.integrations(cp.Name) == 1 {
		writeError(w, http.StatusConflict, fmt.Sprintf("contact point '%s' is currently used by a notification policy", cp.Name))
		return
	}
	s.contactPoints = append(s.contactPoints[:i], s.contactPoints[i+1:]...)
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "contactpoint deleted"})
}

// integrations counts the contact points that share a name (a receiver).
func (s *Server) integrations(name string) int {
	n := 0
	for _, cp := range s.contactPoints {
		if cp.Name == name {
			n++
		}
	}
	return n
}
