package openaisim

import "net/http"

// modelsCreated is the creation time GET /v1/models reports for every
// model: a fixed date (2024-07-18, gpt-4o-mini's release), so the answer is
// stable.
const modelsCreated = 1721260800

// serveModels answers GET /v1/models with the configured models.
func (s *Server) serveModels(ex *exchange, r *http.Request) {
	if !s.authenticate(ex, r) {
		return
	}
	list := modelList{Object: "list", Data: make([]model, 0, len(s.models))}
	for _, id := range s.models {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: modelsCreated, OwnedBy: "system"})
	}
	ex.writeJSON(http.StatusOK, list)
}
