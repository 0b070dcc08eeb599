// Package grafanafake is an in-process fake of the parts of Grafana's HTTP
// API that the provisioner uses, written from Grafana's API documentation
// and source (pkg/api/dashboard.go, pkg/api/folder.go,
// pkg/api/datasources.go, pkg/services/ngalert/api/api_provisioning.go).
// It is for tests only.
//
// It behaves like Grafana where the provisioner depends on it: every call
// but /api/health needs a token or basic auth; missing things are 404,
// duplicates 409, stale versions 412 (dashboards, folders) or 409
// (datasources); every save bumps a version; a dashboard's folder must
// exist; alerting writes honour X-Disable-Provenance and refuse to change
// a provenance other than none; server-owned fields (id, version, updated,
// intervalMs, maxDataPoints, ...) are added; secrets are never returned.
//
// Tests read its state, count the writes per endpoint, and inject faults:
// dropped connections (Grafana not up yet), 5xx and 429 answers.
package grafanafake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure a fake Grafana.
type Options struct {
	// Token is the service account token it accepts (Bearer).
	Token string
	// User and Password are the basic-auth credentials it accepts.
	User, Password string
	// ViewerToken is a token that may read but not write (403).
	ViewerToken string
	// Latency is added to every request.
	Latency time.Duration
	// Version is what /api/health reports (default "12.0.0").
	Version string
}

// serviceAccountLogin is who a token request acts as.
const serviceAccountLogin = "sa-1-provisioner"

// Server is a fake Grafana over HTTP. Its methods are safe for concurrent
// use.
type Server struct {
	opts Options
	http *httptest.Server

	mu       sync.Mutex
	nextID   int64
	now      time.Time
	requests int
	writes   map[string]int
	faults   []*Fault
	log      []Request

	folders       map[string]*folder
	datasources   map[string]*datasource
	dashboards    map[string]*dashboard
	rules         map[string]*rule
	groups        map[groupKey]*ruleGroup
	contactPoints []*contactPoint
	policy        *route
	policyProv    string
}

// Request is what the fake saw of one request (no credentials).
type Request struct {
	Method, Path string
	// Pattern is the endpoint, e.g. "POST /api/dashboards/db".
	Pattern string
	// DisableProvenance is the X-Disable-Provenance header; OrgID the
	// X-Grafana-Org-Id header; UserAgent the User-Agent.
	DisableProvenance string
	OrgID             string
	UserAgent         string
}

// Start runs a fake Grafana on a local port. Close it when done.
func Start(opts Options) *Server {
	if opts.Version == "" {
		opts.Version = "12.0.0"
	}
	s := &Server{
		opts:        opts,
		now:         time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		writes:      map[string]int{},
		folders:     map[string]*folder{},
		datasources: map[string]*datasource{},
		dashboards:  map[string]*dashboard{},
		rules:       map[string]*rule{},
		groups:      map[groupKey]*ruleGroup{},
	}
	s.resetAlerting()
	s.http = httptest.NewServer(s.handler())
	return s
}

// URL is the fake's root URL.
func (s *Server) URL() string { return s.http.URL }

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// caller is who made an authenticated request.
type caller struct {
	login    string
	canWrite bool
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, c caller)

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, pattern, h)
		})
	}
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, "GET /api/health", nil)
	})

	route("GET /api/folders/{uid}", s.getFolder)
	route("POST /api/folders", s.createFolder)
	route("PUT /api/folders/{uid}", s.updateFolder)

	route("GET /api/datasources", s.listDatasources)
	route("GET /api/datasources/uid/{uid}", s.getDatasource)
	route("POST /api/datasources", s.createDatasource)
	route("PUT /api/datasources/uid/{uid}", s.updateDatasource)
	route("DELETE /api/datasources/uid/{uid}", s.deleteDatasource)

	route("GET /api/search", s.search)
	route("GET /api/dashboards/uid/{uid}", s.getDashboard)
	route("GET /api/dashboards/uid/{uid}/versions", s.dashboardVersions)
	route("POST /api/dashboards/db", s.saveDashboard)
	route("DELETE /api/dashboards/uid/{uid}", s.deleteDashboard)

	route("GET /api/v1/provisioning/alert-rules", s.listRules)
	route("GET /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}", s.getRuleGroup)
	route("PUT /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}", s.putRuleGroup)
	route("DELETE /api/v1/provisioning/folder/{folderUid}/rule-groups/{group}", s.deleteRuleGroup)

	route("GET /api/v1/provisioning/contact-points", s.listContactPoints)
	route("POST /api/v1/provisioning/contact-points", s.createContactPoint)
	route("PUT /api/v1/provisioning/contact-points/{uid}", s.updateContactPoint)
	route("DELETE /api/v1/provisioning/contact-points/{uid}", s.deleteContactPoint)

	route("GET /api/v1/provisioning/policies", s.getPolicy)
	route("PUT /api/v1/provisioning/policies", s.putPolicy)
	route("DELETE /api/v1/provisioning/policies", s.resetPolicy)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, "", func(w http.ResponseWriter, _ *http.Request, _ caller) {
			writeError(w, http.StatusNotFound, "Not found")
		})
	})
	return mux
}

// serve applies what every request goes through: faults, latency,
// authentication, the write counter and the server lock.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, pattern string, h handlerFunc) {
	if c, ok := r.Context().Value(internalCallerKey{}).(caller); ok && h != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.now = s.now.Add(time.Second)
		h(w, r, c)
		return
	}
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	s.mu.Lock()
	s.requests++
	s.log = append(s.log, Request{
		Method: r.Method, Path: r.URL.Path, Pattern: pattern,
		DisableProvenance: r.Header.Get("X-Disable-Provenance"),
		OrgID:             r.Header.Get("X-Grafana-Org-Id"),
		UserAgent:         r.Header.Get("User-Agent"),
	})
	fault := s.takeFault(r)
	s.mu.Unlock()
	if fault != nil {
		fault.apply(w, r)
		return
	}

	if h == nil { // health
		writeJSON(w, http.StatusOK, map[string]any{"commit": "fake", "database": "ok", "version": s.opts.Version})
		return
	}
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write && !c.canWrite {
		writeError(w, http.StatusForbidden, "You'll need additional permissions to perform this action. Permissions needed: any of dashboards:write, folders:write, datasources:write, alert.provisioning:write")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if write {
		s.writes[pattern]++
		s.now = s.now.Add(time.Second)
	}
	h(w, r, c)
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (caller, bool) {
	auth := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(auth, "Bearer "):
		token := strings.TrimPrefix(auth, "Bearer ")
		switch {
		case s.opts.Token != "" && token == s.opts.Token:
			return caller{login: serviceAccountLogin, canWrite: true}, true
		case s.opts.ViewerToken != "" && token == s.opts.ViewerToken:
			return caller{login: "sa-2-viewer"}, true
		}
		writeError(w, http.StatusUnauthorized, "Invalid API key")
		return caller{}, false
	case strings.HasPrefix(auth, "Basic "):
		user, password, ok := r.BasicAuth()
		if ok && s.opts.User != "" && user == s.opts.User && password == s.opts.Password {
			if org := r.Header.Get("X-Grafana-Org-Id"); org != "" && org != "1" {
				writeError(w, http.StatusUnauthorized, "You do not have access to the requested organization")
				return caller{}, false
			}
			return caller{login: user, canWrite: true}, true
		}
		writeError(w, http.StatusUnauthorized, "Invalid username or password")
		return caller{}, false
	}
	writeError(w, http.StatusUnauthorized, "Unauthorized")
	return caller{}, false
}

// id hands out the next numeric id. Call with s.mu held.
func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// Writes returns the number of write requests (POST, PUT, DELETE) that
// passed authentication, per endpoint pattern.
func (s *Server) Writes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.writes))
	for k, v := range s.writes {
		out[k] = v
	}
	return out
}

// TotalWrites sums Writes.
func (s *Server) TotalWrites() int {
	total := 0
	for _, n := range s.Writes() {
		total += n
	}
	return total
}

// ResetCounters zeroes the write counters and the request log.
func (s *Server) ResetCounters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = map[string]int{}
	s.requests = 0
	s.log = nil
}

// Requests returns every request seen, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// WriteSummary renders Writes on one line, sorted, for test messages.
func (s *Server) WriteSummary() string {
	w := s.Writes()
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, w[k])
	}
	return strings.Join(parts, ", ")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusNoContent {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "statusCode": status})
}

// decodeBody decodes a JSON request body; on failure it answers 400 as
// Grafana's binding does.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad request data")
		return false
	}
	return true
}

// slug is Grafana's URL slug of a title.
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
