package grafanafake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
)

type datasource struct {
	id                                          int64
	uid, name, typ, access, url, user, database string
	basicAuth                                   bool
	basicAuthUser                               string
	withCredentials, isDefault, readOnly        bool
	jsonData                                    map[string]any
	secureJSONData                              map[string]string
	version                                     int64
}

// datasourceBody is the body of POST and PUT /api/datasources.
type datasourceBody struct {
	UID             string            `json:"uid"`
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Access          string            `json:"access"`
	URL             string            `json:"url"`
	User            string            `json:"user"`
	Database        string            `json:"database"`
	BasicAuth       bool              `json:"basicAuth"`
	BasicAuthUser   string            `json:"basicAuthUser"`
	WithCredentials bool              `json:"withCredentials"`
	IsDefault       bool              `json:"isDefault"`
	JSONData        map[string]any    `json:"jsonData"`
	SecureJSONData  map[string]string `json:"secureJsonData"`
	Version         int64             `json:"version"`
}

func (d *datasource) json() map[string]any {
	secure := map[string]bool{}
	for k := range d.secureJSONData {
		secure[k] = true
	}
	jsonData := d.jsonData
	if jsonData == nil {
		jsonData = map[string]any{}
	}
	return map[string]any{
		"id": d.id, "uid": d.uid, "orgId": 1, "name": d.name, "type": d.typ,
		"typeLogoUrl": "public/app/plugins/datasource/" + d.typ + "/img/logo.svg",
		"access":      d.access, "url": d.url, "user": d.user, "database": d.database,
		"basicAuth": d.basicAuth, "basicAuthUser": d.basicAuthUser, "withCredentials": d.withCredentials,
		"isDefault": d.isDefault, "jsonData": jsonData, "secureJsonFields": secure,
		"version": d.version, "readOnly": d.readOnly,
	}
}

func (s *Server) listDatasources(w http.ResponseWriter, _ *http.Request, _ caller) {
	list := make([]*datasource, 0, len(s.datasources))
	for _, d := range s.datasources {
		list = append(list, d)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	out := make([]map[string]any, len(list))
	for i, d := range list {
		item := d.json()
		delete(item, "secureJsonFields")
		delete(item, "version")
		out[i] = item
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getDatasource(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.datasources[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Data source not found")
		return
	}
	writeJSON(w, http.StatusOK, d.json())
}

func (s *Server) createDatasource(w http.ResponseWriter, r *http.Request, _ caller) {
	var body datasourceBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Name == "" || body.Type == "" || body.Access == "" {
		writeError(w, http.StatusBadRequest, "bad request data")
		return
	}
	for _, d := range s.datasources {
		if d.name == body.Name {
			writeError(w, http.StatusConflict, "data source with the same name already exists")
			return
		}
	}
	if body.UID == "" {
		body.UID = generatedUID(s.id())
	}
	if _, ok := s.datasources[body.UID]; ok {
		writeError(w, http.StatusConflict, "data source with the same uid already exists")
		return
	}
	d := &datasource{id: s.id(), uid: body.UID, version: 1}
	s.applyDatasource(d, body)
	s.datasources[d.uid] = d
	writeJSON(w, http.StatusOK, map[string]any{"datasource": d.json(), "id": d.id, "name": d.name, "message": "Datasource added"})
}

func (s *Server) updateDatasource(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.datasources[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Data source not found")
		return
	}
	var body datasourceBody
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Name == "" || body.Type == "" || body.Access == "" {
		writeError(w, http.StatusBadRequest, "bad request data")
		return
	}
	if d.readOnly {
		writeError(w, http.StatusForbidden, "Cannot update read-only data source")
		return
	}
	for _, other := range s.datasources {
		if other != d && other.name == body.Name {
			writeError(w, http.StatusConflict, "data source with the same name already exists")
			return
		}
	}
	if body.Version != 0 && body.Version < d.version {
		writeError(w, http.StatusConflict, "Datasource has already been updated by someone else. Please reload and try again")
		return
	}
	if body.Version != 0 {
		d.version = body.Version + 1
	} else {
		d.version++
	}
	s.applyDatasource(d, body)
	writeJSON(w, http.StatusOK, map[string]any{"datasource": d.json(), "id": d.id, "name": d.name, "message": "Datasource updated"})
}

// applyDatasource copies a request body into d. Call with s.mu held.
func (s *Server) applyDatasource(d *datasource, b datasourceBody) {
	d.name, d.typ, d.access, d.url = b.Name, b.Type, b.Access, b.URL
	d.user, d.database, d.basicAuth, d.basicAuthUser = b.User, b.Database, b.BasicAuth, b.BasicAuthUser
	d.withCredentials, d.isDefault = b.WithCredentials, b.IsDefault
	d.jsonData = roundTrip(b.JSONData)
	if d.secureJSONData == nil {
		d.secureJSONData = map[string]string{}
	}
	for k, v := range b.SecureJSONData {
		d.secureJSONData[k] = v
	}
	if d.isDefault {
		for _, other := range s.datasources {
			if other != d {
				other.isDefault = false
			}
		}
	}
}

func (s *Server) deleteDatasource(w http.ResponseWriter, r *http.Request, _ caller) {
	d, ok := s.datasources[r.PathValue("uid")]
	if !ok {
		writeError(w, http.StatusNotFound, "Data source not found")
		return
	}
	delete(s.datasources, d.uid)
	writeJSON(w, http.StatusOK, map[string]any{"id": d.id, "message": "Data source deleted"})
}

// roundTrip deep-copies a JSON object as Grafana does when it stores it.
func roundTrip(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out map[string]any
	if err := dec.Decode(&out); err != nil {
		return nil
	}
	return out
}
