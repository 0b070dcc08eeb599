package grafanafake

import (
	"net/http"
	"strings"
	"time"
)

type folder struct {
	id          int64
	uid, title  string
	version     int64
	created     time.Time
	updated     time.Time
	createdBy   string
	updatedBy   string
	description string
	parentUID   string
}

func (f *folder) json() map[string]any {
	return map[string]any{
		"id": f.id, "uid": f.uid, "orgId": 1, "title": f.title,
		"url":    "/dashboards/f/" + f.uid + "/" + slug(f.title),
		"hasAcl": false, "canSave": true, "canEdit": true, "canAdmin": true, "canDelete": true,
		"createdBy": f.createdBy, "created": f.created, "updatedBy": f.updatedBy, "updated": f.updated,
		"version": f.version,
	}
}

func (s *Server) getFolder(w http.ResponseWriter, r *http.Request, _ caller) {
	f, ok := s.folders[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "folder not found")
		return
	}
	writeJSON(w, http.StatusOK, f.json())
}

func (s *Server) createFolder(w http.ResponseWriter, r *http.Request, c caller) {
	var body struct {
		UID         string `json:"uid"`
		Title       string `json:"title"`
		Description string `json:"description"`
		ParentUID   string `json:"parentUid"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.Title) == "" {
		writeError(w, http.StatusBadRequest, "folder title cannot be empty")
		return
	}
	if _, ok := s.folders[body.UID]; ok {
		writeError(w, http.StatusConflict, "a folder with the same uid already exists")
		return
	}
	for _, f := range s.folders {
		if f.parentUID == body.ParentUID && f.title == body.Title {
			writeError(w, http.StatusConflict, "a folder or dashboard in the general folder with the same name already exists")
			return
		}
	}
	if body.UID == "" {
		body.UID = generatedUID(s.id())
	}
	f := &folder{
		id: s.id(), uid: body.UID, title: body.Title, description: body.Description, parentUID: body.ParentUID,
		version: 1, created: s.now, updated: s.now, createdBy: c.login, updatedBy: c.login,
	}
	s.folders[f.uid] = f
	writeJSON(w, http.StatusOK, f.json())
}

func (s *Server) updateFolder(w http.ResponseWriter, r *http.Request, c caller) {
	f, ok := s.folders[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "folder not found")
		return
	}
	var body struct {
		Title     string `json:"title"`
		Version   int64  `json:"version"`
		Overwrite bool   `json:"overwrite"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if !body.Overwrite && body.Version != f.version {
		writeError(w, http.StatusPreconditionFailed, "the folder has been changed by someone else")
		return
	}
	if strings.TrimSpace(body.Title) == "" {
		writeError(w, http.StatusBadRequest, "folder title cannot be empty")
		return
	}
	f.title = body.Title
	f.version++
	f.updated, f.updatedBy = s.now, c.login
	writeJSON(w, http.StatusOK, f.json())
}

// generatedUID is a uid Grafana would make up.
func generatedUID(n int64) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("fake")
	for i := 0; i < 10; i++ {
		b = append(b, letters[(n*7919+int64(i)*104729)%int64(len(letters))])
	}
	return string(b)
}
