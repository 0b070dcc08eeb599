package grafanafake

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

type dashboard struct {
	id        int64
	uid       string
	folderUID string
	// data is the stored JSON model, without id, uid and version (added
	// when served).
	data      map[string]any
	version   int64
	created   time.Time
	updated   time.Time
	createdBy string
	updatedBy string
	versions  []dashboardVersion // oldest first
}

type dashboardVersion struct {
	id        int64
	version   int64
	created   time.Time
	createdBy string
	message   string
}

func (d *dashboard) title() string {
	t, _ := d.data["title"].(string)
	return t
}

func (d *dashboard) tags() []string {
	var out []string
	list, _ := d.data["tags"].([]any)
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// model is the dashboard JSON as Grafana serves it.
func (d *dashboard) model() map[string]any {
	out := roundTrip(d.data)
	out["id"] = d.id
	out["uid"] = d.uid
	out["version"] = d.version
	return out
}

func (s *Server) getDashboard(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.dashboards[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Dashboard not found")
		return
	}
	meta := map[string]any{
		"type": "db", "canSave": true, "canEdit": true, "canAdmin": true, "canStar": true, "canDelete": true,
		"slug": slug(d.title()), "url": "/d/" + d.uid + "/" + slug(d.title()),
		"expires": "0001-01-01T00:00:00Z", "created": d.created, "updated": d.updated,
		"updatedBy": d.updatedBy, "createdBy": d.createdBy, "version": d.version,
		"hasAcl": false, "isFolder": false, "folderId": 0, "folderUid": d.folderUID,
		"folderTitle": "Dashboards", "folderUrl": "", "provisioned": false, "provisionedExternalId": "",
	}
	if f, ok := s.folders[d.folderUID]; ok {
		meta["folderId"] = f.id
		meta["folderTitle"] = f.title
		meta["folderUrl"] = "/dashboards/f/" + f.uid + "/" + slug(f.title)
	}
	writeJSON(w, http.StatusOK, map[string]any{"dashboard": d.model(), "meta": meta})
}

func (s *Server) dashboardVersions(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.dashboards[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Dashboard not found")
		return
	}
	limit := len(d.versions)
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l > 0 && l < limit {
		limit = l
	}
	out := make([]map[string]any, 0, limit)
	for i := len(d.versions) - 1; i >= 0 && len(out) < limit; i-- {
		v := d.versions[i]
		out = append(out, map[string]any{
			"id": v.id, "dashboardId": d.id, "uid": d.uid, "parentVersion": v.version - 1, "restoredFrom": 0,
			"version": v.version, "created": v.created, "createdBy": v.createdBy, "message": v.message,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"continueToken": "", "versions": out})
}

func (s *Server) saveDashboard(w http.ResponseWriter, r *http.Request, c caller) {
	var body struct {
		Dashboard map[string]any `json:"dashboard"`
		FolderUID string         `json:"folderUid"`
		Overwrite bool           `json:"overwrite"`
		Message   string         `json:"message"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Dashboard == nil {
		writeError(w, http.StatusBadRequest, "bad request data")
		return
	}
	data := roundTrip(body.Dashboard)
	title, _ := data["title"].(string)
	if strings.TrimSpace(title) == "" {
		writeError(w, http.StatusBadRequest, "Dashboard title cannot be empty")
		return
	}
	if body.FolderUID != "" {
		if _, ok := s.folders[body.FolderUID]; !ok {
			writeError(w, http.StatusBadRequest, "folder not found")
			return
		}
	}
	uid, _ := data["uid"].(string)
	if uid == "" {
		uid = generatedUID(s.id())
	}
	if len(uid) > 40 {
		writeError(w, http.StatusBadRequest, "uid too long, max 40 characters")
		return
	}
	existing := s.dashboards[uid]
	sentID := number(data["id"])
	switch {
	case existing == nil && sentID != 0:
		writeError(w, http.StatusNotFound, "Dashboard not found")
		return
	case existing != nil && !body.Overwrite && number(data["version"]) != existing.version:
		writeJSON(w, http.StatusPreconditionFailed, map[string]any{"status": "version-mismatch", "message": "The dashboard has been changed by someone else"})
		return
	}
	for _, other := range s.dashboards {
		if other.uid != uid && other.folderUID == body.FolderUID && other.title() == title && !body.Overwrite {
			writeJSON(w, http.StatusPreconditionFailed, map[string]any{"status": "name-exists", "message": "A dashboard with the same name in the folder already exists"})
			return
		}
	}

	delete(data, "id")
	delete(data, "uid")
	delete(data, "version")
	d := existing
	if d == nil {
		d = &dashboard{id: s.id(), uid: uid, created: s.now, createdBy: c.login}
		s.dashboards[uid] = d
	}
	d.data = data
	d.folderUID = body.FolderUID
	d.version++
	d.updated, d.updatedBy = s.now, c.login
	d.versions = append(d.versions, dashboardVersion{id: s.id(), version: d.version, created: s.now, createdBy: c.login, message: body.Message})
	writeJSON(w, http.StatusOK, map[string]any{
		"id": d.id, "uid": d.uid, "url": "/d/" + d.uid + "/" + slug(title), "status": "success",
		"version": d.version, "slug": slug(title), "folderUid": d.folderUID,
	})
}

func (s *Server) deleteDashboard(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.dashboards[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Dashboard not found")
		return
	}
	delete(s.dashboards, d.uid)
	writeJSON(w, http.StatusOK, map[string]any{"title": d.title(), "message": "Dashboard " + d.title() + " deleted", "uid": d.uid})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, _ caller) {
	q := r.URL.Query()
	if typ := q.Get("type"); typ != "" && typ != "dash-db" {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	tags := q["tag"]
	folderUIDs := q["folderUIDs"]
	query := strings.ToLower(q.Get("query"))
	var hits []*dashboard
	for _, d := range s.dashboards {
		if !hasAll(d.tags(), tags) || (len(folderUIDs) > 0 && !contains(folderUIDs, d.folderUID)) {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(d.title()), query) {
			continue
		}
		hits = append(hits, d)
	}
	sort.Slice(hits, func(i, j int) bool {
		return hits[i].title() < hits[j].title() || (hits[i].title() == hits[j].title() && hits[i].uid < hits[j].uid)
	})

	limit, page := 1000, 1
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 && l <= 5000 {
		limit = l
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
		page = p
	}
	start := min((page-1)*limit, len(hits))
	end := min(start+limit, len(hits))
	out := make([]map[string]any, 0, end-start)
	for _, d := range hits[start:end] {
		tags := d.tags()
		if tags == nil {
			tags = []string{}
		}
		hit := map[string]any{
			"id": d.id, "uid": d.uid, "title": d.title(), "uri": "db/" + slug(d.title()),
			"url": "/d/" + d.uid + "/" + slug(d.title()), "slug": "", "type": "dash-db", "tags": tags,
			"isStarred": false, "sortMeta": 0,
		}
		if f, ok := s.folders[d.folderUID]; ok {
			hit["folderId"], hit["folderUid"], hit["folderTitle"] = f.id, f.uid, f.title
			hit["folderUrl"] = "/dashboards/f/" + f.uid + "/" + slug(f.title)
		}
		out = append(out, hit)
	}
	writeJSON(w, http.StatusOK, out)
}

func number(v any) int64 {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return i
	case float64:
		return int64(n)
	case int64:
		return n
	}
	return 0
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !contains(have, w) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
