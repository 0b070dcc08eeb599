package grafanafake

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
)

type internalCallerKey struct{}

// Do calls the API as login, the way someone using Grafana's UI would
// (set header X-Disable-Provenance to act as the UI on alerting
// resources). It bypasses faults, latency and the write counters, so that
// tests can seed state and simulate edits. It returns the status and body.
func (s *Server) Do(login, method, path string, body any, header map[string]string) (int, []byte) {
	var reader *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, []byte(err.Error())
		}
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, reader)
	req = req.WithContext(context.WithValue(req.Context(), internalCallerKey{}, caller{login: login, canWrite: true}))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.http.Config.Handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// EditDashboard saves a changed copy of a dashboard as login, as a save in
// the UI does: a new version, attributed to login, without a message.
func (s *Server) EditDashboard(login, uid string, edit func(model map[string]any)) (int, []byte) {
	s.mu.Lock()
	d, ok := s.dashboards[uid]
	var model map[string]any
	var folderUID string
	if ok {
		model, folderUID = d.model(), d.folderUID
	}
	s.mu.Unlock()
	if !ok {
		return http.StatusNotFound, nil
	}
	edit(model)
	return s.Do(login, http.MethodPost, "/api/dashboards/db", map[string]any{"dashboard": model, "folderUid": folderUID}, nil)
}

// Dashboard returns a stored dashboard as served (with id, uid, version),
// its folder and its version.
func (s *Server) Dashboard(uid string) (model map[string]any, folderUID string, version int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.dashboards[uid]
	if !ok {
		return nil, "", 0, false
	}
	return d.model(), d.folderUID, d.version, true
}

// DashboardUIDs lists the stored dashboards.
func (s *Server) DashboardUIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.dashboards)
}

// DatasourceUIDs lists the stored datasources.
func (s *Server) DatasourceUIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.datasources)
}

// Datasource returns a stored datasource as served, and its secure
// settings (which the API never returns).
func (s *Server) Datasource(uid string) (served map[string]any, secure map[string]string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.datasources[uid]
	if !ok {
		return nil, nil, false
	}
	secure = make(map[string]string, len(d.secureJSONData))
	for k, v := range d.secureJSONData {
		secure[k] = v
	}
	return d.json(), secure, true
}

// FolderTitle returns the title of a stored folder.
func (s *Server) FolderTitle(uid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.folders[uid]
	if !ok {
		return "", false
	}
	return f.title, true
}

// RuleGroupKeys lists the stored rule groups as "folderUid/title".
func (s *Server) RuleGroupKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.groups))
	for k := range s.groups {
		out = append(out, k.folder+"/"+k.title)
	}
	sort.Strings(out)
	return out
}

// Rule returns a stored rule as the alert-rules endpoint serves it.
func (s *Server) Rule(uid string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rules[uid]
	if !ok {
		return nil, false
	}
	return r.json(true), true
}

// ContactPointUIDs lists the stored contact points.
func (s *Server) ContactPointUIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.contactPoints))
	for i, cp := range s.contactPoints {
		out[i] = cp.UID
	}
	sort.Strings(out)
	return out
}

// Policy returns the policy tree's root receiver and provenance.
func (s *Server) Policy() (receiver, provenance string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy.Receiver, s.policyProv
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
