package grafanafake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

type groupKey struct{ folder, title string }

type ruleGroup struct {
	interval int64
	uids     []string // in order
}

type relativeTimeRange struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

type alertQuery struct {
	RefID             string            `json:"refId"`
	QueryType         string            `json:"queryType"`
	RelativeTimeRange relativeTimeRange `json:"relativeTimeRange"`
	DatasourceUID     string            `json:"datasourceUid"`
	Model             map[string]any    `json:"model"`
}

// ruleBody is a rule as the provisioning API receives it.
type ruleBody struct {
	UID                  string            `json:"uid"`
	Title                string            `json:"title"`
	Condition            string            `json:"condition"`
	Data                 []alertQuery      `json:"data"`
	NoDataState          string            `json:"noDataState"`
	ExecErrState         string            `json:"execErrState"`
	For                  string            `json:"for"`
	Labels               map[string]string `json:"labels,omitempty"`
	Annotations          map[string]string `json:"annotations,omitempty"`
	IsPaused             bool              `json:"isPaused"`
	NotificationSettings json.RawMessage   `json:"notification_settings,omitempty"`
	Record               json.RawMessage   `json:"record,omitempty"`
	FolderUID            string            `json:"folderUID"`
	RuleGroup            string            `json:"ruleGroup"`
}

type groupBody struct {
	Title     string      `json:"title"`
	FolderUID string      `json:"folderUid"`
	Interval  int64       `json:"interval"`
	Rules     []*ruleBody `json:"rules"`
}

type rule struct {
	id         int64
	body       ruleBody // normalised: folder, group, durations, model defaults
	forDur     time.Duration
	provenance string
	updated    time.Time
	version    int64
}

func (r *rule) json(withProvenance bool) map[string]any {
	raw, _ := json.Marshal(r.body)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out map[string]any
	_ = dec.Decode(&out)
	out["id"] = r.id
	out["orgID"] = 1
	out["updated"] = r.updated
	out["for"] = formatDuration(r.forDur)
	if withProvenance && r.provenance != "" {
		out["provenance"] = r.provenance
	}
	return out
}

// requestProvenance is the provenance a write gets: none with
// X-Disable-Provenance, api otherwise.
func requestProvenance(r *http.Request) string {
	if _, disabled := r.Header["X-Disable-Provenance"]; disabled {
		return ""
	}
	return "api"
}

// provenanceChangeAllowed is Grafana's rule: a resource may keep its
// provenance, or leave none for another one.
func provenanceChangeAllowed(stored, requested string) error {
	if stored != requested && stored != "" {
		return fmt.Errorf("cannot change provenance from '%s' to '%s'", stored, requested)
	}
	return nil
}

func (s *Server) listRules(w http.ResponseWriter, _ *http.Request, _ caller) {
	list := make([]*rule, 0, len(s.rules))
	for _, r := range s.rules {
		list = append(list, r)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = r.json(true)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getRuleGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	key := groupKey{r.PathValue("folderUid"), r.PathValue("group")}
	g, ok := s.groups[key]
	if !ok {
		writeError(w, http.StatusNotFound, "rule group does not exist")
		return
	}
	rules := make([]map[string]any, len(g.uids))
	for i, uid := range g.uids {
		rules[i] = s.rules[uid].json(false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"title": key.title, "folderUid": key.folder, "interval": g.interval, "rules": rules})
}

func (s *Server) putRuleGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	key := groupKey{r.PathValue("folderUid"), r.PathValue("group")}
	var body groupBody
	if !decodeBody(w, r, &body) {
		return
	}
	body.FolderUID, body.Title = key.folder, key.title
	if _, ok := s.folders[key.folder]; !ok {
		writeError(w, http.StatusNotFound, "folder not found")
		return
	}
	if body.Interval <= 0 || body.Interval%10 != 0 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid alert rule: interval (%ds) should be non-zero and divided exactly by scheduler interval: 10s", body.Interval))
		return
	}
	provenance := requestProvenance(r)

	incoming := make([]*rule, 0, len(body.Rules))
	seen := map[string]bool{}
	for _, rb := range body.Rules {
		if rb == nil {
			writeError(w, http.StatusBadRequest, "bad request data")
			return
		}
		nr, err := s.newRule(key, rb)
		if err != nil {
			writeError(w, http.StatusBadRequest, "invalid alert rule: "+err.Error())
			return
		}
		if seen[nr.body.UID] {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("invalid alert rule: rule uid %s is used twice in the group", nr.body.UID))
			return
		}
		seen[nr.body.UID] = true
		incoming = append(incoming, nr)
	}

	// Provenance of the rules written (possibly moved here) and deleted.
	old := s.groups[key]
	var deleted []string
	if old != nil {
		for _, uid := range old.uids {
			if !seen[uid] {
				deleted = append(deleted, uid)
			}
		}
	}
	for _, nr := range incoming {
		if stored, ok := s.rules[nr.body.UID]; ok {
			if err := provenanceChangeAllowed(stored.provenance, provenance); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
	}
	for _, uid := range deleted {
		if err := provenanceChangeAllowed(s.rules[uid].provenance, provenance); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	// Titles are unique in a folder.
	titles := map[string]string{}
	for uid, existing := range s.rules {
		if existing.body.FolderUID == key.folder && !seen[uid] && !contains(deleted, uid) {
			titles[existing.body.Title] = existing.body.RuleGroup
		}
	}
	for _, nr := range incoming {
		if g, ok := titles[nr.body.Title]; ok {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("failed to save alert rule '%s' in organization 1: conflicting alert rule found [rule_group: '%s', title: '%s', org_id: 1]: a rule with the same title already exists in the folder", nr.body.Title, g, nr.body.Title))
			return
		}
		titles[nr.body.Title] = key.title
	}

	for _, uid := range deleted {
		delete(s.rules, uid)
	}
	uids := make([]string, len(incoming))
	for i, nr := range incoming {
		uids[i] = nr.body.UID
		stored, ok := s.rules[nr.body.UID]
		if ok {
			s.removeFromOtherGroup(nr.body.UID, key)
			if sameRule(stored, nr) && stored.provenance == provenance {
				continue
			}
			nr.id, nr.version = stored.id, stored.version
		} else {
			nr.id = s.id()
		}
		nr.version++
		nr.updated = s.now
		nr.provenance = provenance
		s.rules[nr.body.UID] = nr
	}
	if len(uids) == 0 {
		delete(s.groups, key)
	} else {
		s.groups[key] = &ruleGroup{interval: body.Interval, uids: uids}
	}
	writeJSON(w, http.StatusOK, body)
}

// newRule validates a rule of a PUT and normalises it as Grafana stores it.
func (s *Server) newRule(key groupKey, rb *ruleBody) (*rule, error) {
	b := *rb
	b.Data = append([]alertQuery(nil), rb.Data...)
	b.FolderUID, b.RuleGroup = key.folder, key.title
	switch {
	case b.UID == "":
		return nil, fmt.Errorf("rule has no uid")
	case len(b.UID) > 40:
		return nil, fmt.Errorf("cannot have UID longer than 40 symbols")
	case !bundle.ValidUID(b.UID):
		return nil, fmt.Errorf("uid %q has invalid characters", b.UID)
	case strings.TrimSpace(b.Title) == "":
		return nil, fmt.Errorf("title is empty")
	case len(b.Data) == 0:
		return nil, fmt.Errorf("no queries or expressions are found")
	}
	if isNull(b.Record) {
		b.Record = nil
	}
	if isNull(b.NotificationSettings) {
		b.NotificationSettings = nil
	}
	refs := make([]string, 0, len(b.Data))
	for i, q := range b.Data {
		if q.RefID == "" {
			return nil, fmt.Errorf("query %d has no refId", i)
		}
		if q.DatasourceUID != bundle.ExpressionUID && q.RelativeTimeRange.From <= q.RelativeTimeRange.To {
			return nil, fmt.Errorf("invalid alert query %s: invalid relative time range [From: %s, To: %s]", q.RefID,
				time.Duration(q.RelativeTimeRange.From)*time.Second, time.Duration(q.RelativeTimeRange.To)*time.Second)
		}
		model := roundTrip(q.Model)
		if model == nil {
			model = map[string]any{}
		}
		// Grafana adds these defaults to every query model.
		if _, ok := model["intervalMs"]; !ok {
			model["intervalMs"] = json.Number("1000")
		}
		if _, ok := model["maxDataPoints"]; !ok {
			model["maxDataPoints"] = json.Number("43200")
		}
		b.Data[i].Model = model
		refs = append(refs, q.RefID)
	}
	if b.Record == nil {
		if !contains(refs, b.Condition) {
			return nil, fmt.Errorf("condition %s does not exist, must be one of [%s]", b.Condition, strings.Join(refs, " "))
		}
		if !contains(bundle.NoDataStates(), b.NoDataState) {
			return nil, fmt.Errorf("unknown no data state option %s", b.NoDataState)
		}
		if !contains(bundle.ExecErrStates(), b.ExecErrState) {
			return nil, fmt.Errorf("unknown exec error state option %s", b.ExecErrState)
		}
	}
	forDur, err := parseDuration(b.For)
	if b.For == "" {
		forDur, err = 0, nil
	}
	if err != nil {
		return nil, err
	}
	b.For = ""
	return &rule{body: b, forDur: forDur}, nil
}

func sameRule(a, b *rule) bool {
	ja, errA := json.Marshal(a.body)
	jb, errB := json.Marshal(b.body)
	return errA == nil && errB == nil && bytes.Equal(ja, jb) && a.forDur == b.forDur
}

// removeFromOtherGroup takes a rule out of the group it is moved from.
// Call with s.mu held.
func (s *Server) removeFromOtherGroup(uid string, to groupKey) {
	for key, g := range s.groups {
		if key == to {
			continue
		}
		for i, u := range g.uids {
			if u == uid {
				g.uids = append(g.uids[:i], g.uids[i+1:]...)
				if len(g.uids) == 0 {
					delete(s.groups, key)
				}
				return
			}
		}
	}
}

func (s *Server) deleteRuleGroup(w http.ResponseWriter, r *http.Request, _ caller) {
	key := groupKey{r.PathValue("folderUid"), r.PathValue("group")}
	g, ok := s.groups[key]
	if !ok {
		writeError(w, http.StatusNotFound, "rule group does not exist")
		return
	}
	provenance := requestProvenance(r)
	for _, uid := range g.uids {
		if err := provenanceChangeAllowed(s.rules[uid].provenance, provenance); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	for _, uid := range g.uids {
		delete(s.rules, uid)
	}
	delete(s.groups, key)
	writeJSON(w, http.StatusNoContent, nil)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}
