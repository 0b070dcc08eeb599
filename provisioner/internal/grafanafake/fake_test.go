package grafanafake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const token = "fake-test-token"

// call makes one authenticated request and decodes the JSON answer.
func call(t *testing.T, s *Server, method, path string, body any, header ...string) (int, map[string]any, []any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL()+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var obj map[string]any
	var arr []any
	if json.Unmarshal(raw, &obj) != nil {
		_ = json.Unmarshal(raw, &arr)
	}
	return resp.StatusCode, obj, arr
}

func expect(t *testing.T, status, want int, body map[string]any, msg string) {
	t.Helper()
	if status != want {
		t.Fatalf("status %d, want %d (%v)", status, want, body)
	}
	if msg != "" && body["message"] != msg {
		t.Errorf("message = %v, want %q", body["message"], msg)
	}
}

func TestAuth(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	for _, auth := range []string{"", "Bearer wrong", "Basic YWRtaW46YWRtaW4="} {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/folders/x", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%q: status %d, want 401", auth, resp.StatusCode)
		}
	}
	resp, err := http.Get(s.URL() + "/api/health")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("health without auth: %v %v", resp, err)
	}
}

func TestDashboardSemantics(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	dash := map[string]any{"uid": "d1", "title": "D1", "panels": []any{}}

	status, body, _ := call(t, s, "POST", "/api/dashboards/db", map[string]any{"dashboard": dash, "folderUid": "nope"})
	expect(t, status, 400, body, "folder not found")

	call(t, s, "POST", "/api/folders", map[string]any{"uid": "f", "title": "F"})
	status, body, _ = call(t, s, "POST", "/api/dashboards/db", map[string]any{"dashboard": dash, "folderUid": "f"})
	expect(t, status, 200, body, "")
	if body["version"] != 1.0 || body["status"] != "success" || body["uid"] != "d1" {
		t.Errorf("save answer = %v", body)
	}

	// Saving over it without overwrite nor the current version: 412.
	status, body, _ = call(t, s, "POST", "/api/dashboards/db", map[string]any{"dashboard": dash, "folderUid": "f"})
	expect(t, status, 412, body, "The dashboard has been changed by someone else")
	// With the current version: saved as version 2.
	withVersion := map[string]any{"uid": "d1", "title": "D1", "version": 1}
	status, body, _ = call(t, s, "POST", "/api/dashboards/db", map[string]any{"dashboard": withVersion, "folderUid": "f", "message": "m"})
	expect(t, status, 200, body, "")
	// With overwrite: version 3.
	status, body, _ = call(t, s, "POST", "/api/dashboards/db", map[string]any{"dashboard": dash, "folderUid": "f", "overwrite": true})
	if status != 200 || body["version"] != 3.0 {
		t.Errorf("overwrite: %d %v", status, body)
	}

	status, body, _ = call(t, s, "GET", "/api/dashboards/uid/d1", nil)
	model := body["dashboard"].(map[string]any)
	meta := body["meta"].(map[string]any)
	if status != 200 || model["id"] == nil || model["version"] != 3.0 || meta["folderUid"] != "f" || meta["version"] != 3.0 || meta["updatedBy"] != serviceAccountLogin {
		t.Errorf("GET = %d %v", status, body)
	}
	_, body, _ = call(t, s, "GET", "/api/dashboards/uid/d1/versions?limit=1", nil)
	versions := body["versions"].([]any)
	if len(versions) != 1 || versions[0].(map[string]any)["version"] != 3.0 {
		t.Errorf("versions = %v", body)
	}

	_, _, hits := call(t, s, "GET", "/api/search?type=dash-db&folderUIDs=f", nil)
	if len(hits) != 1 || hits[0].(map[string]any)["uid"] != "d1" {
		t.Errorf("search = %v", hits)
	}
	status, _, _ = call(t, s, "DELETE", "/api/dashboards/uid/d1", nil)
	expect(t, status, 200, nil, "")
	status, body, _ = call(t, s, "GET", "/api/dashboards/uid/d1", nil)
	expect(t, status, 404, body, "Dashboard not found")
	if w := s.Writes(); w["POST /api/dashboards/db"] != 5 || w["DELETE /api/dashboards/uid/{uid}"] != 1 {
		t.Errorf("writes = %s", s.WriteSummary())
	}
}

func TestFolderAndDatasourceConflicts(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	status, body, _ := call(t, s, "POST", "/api/folders", map[string]any{"uid": "f", "title": "F"})
	expect(t, status, 200, body, "")
	status, body, _ = call(t, s, "POST", "/api/folders", map[string]any{"uid": "f", "title": "Other"})
	expect(t, status, 409, body, "a folder with the same uid already exists")
	status, body, _ = call(t, s, "PUT", "/api/folders/f", map[string]any{"title": "G", "version": 7})
	expect(t, status, 412, body, "")
	status, body, _ = call(t, s, "PUT", "/api/folders/f", map[string]any{"title": "G", "version": 1})
	if status != 200 || body["version"] != 2.0 {
		t.Errorf("folder update: %d %v", status, body)
	}

	ds := map[string]any{"uid": "m", "name": "M", "type": "prometheus", "access": "proxy", "secureJsonData": map[string]any{"basicAuthPassword": "s3cret"}}
	status, body, _ = call(t, s, "POST", "/api/datasources", map[string]any{"uid": "x", "name": "X"})
	expect(t, status, 400, body, "bad request data")
	status, body, _ = call(t, s, "POST", "/api/datasources", ds)
	expect(t, status, 200, body, "Datasource added")
	status, body, _ = call(t, s, "POST", "/api/datasources", ds)
	expect(t, status, 409, body, "data source with the same name already exists")

	status, body, _ = call(t, s, "GET", "/api/datasources/uid/m", nil)
	if status != 200 || body["secureJsonData"] != nil || body["secureJsonFields"].(map[string]any)["basicAuthPassword"] != true {
		t.Errorf("GET datasource leaks or loses the secret: %v", body)
	}
	status, body, _ = call(t, s, "PUT", "/api/datasources/uid/m", map[string]any{"type": "prometheus", "access": "proxy"})
	expect(t, status, 400, body, "bad request data")
	update := map[string]any{"name": "M", "type": "prometheus", "access": "proxy", "url": "http://m", "version": 1}
	status, body, _ = call(t, s, "PUT", "/api/datasources/uid/m", update)
	expect(t, status, 200, body, "Datasource updated")
	status, body, _ = call(t, s, "PUT", "/api/datasources/uid/m", update)
	expect(t, status, 409, body, "Datasource has already been updated by someone else. Please reload and try again")
}

func TestRuleGroupSemantics(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	rule := func(title string) map[string]any {
		return map[string]any{
			"uid": "r-" + strings.ToLower(title), "title": title, "condition": "B", "noDataState": "OK", "execErrState": "Error", "for": "5m0s",
			"data": []any{
				map[string]any{"refId": "A", "datasourceUid": "mimir", "relativeTimeRange": map[string]any{"from": 600, "to": 0}, "model": map[string]any{"expr": "up"}},
				map[string]any{"refId": "B", "datasourceUid": "__expr__", "model": map[string]any{"type": "threshold", "expression": "A"}},
			},
		}
	}
	group := map[string]any{"interval": 60, "rules": []any{rule("One")}}
	path := "/api/v1/provisioning/folder/f/rule-groups/g"

	status, body, _ := call(t, s, "PUT", path, group)
	expect(t, status, 404, body, "folder not found")
	call(t, s, "POST", "/api/folders", map[string]any{"uid": "f", "title": "F"})
	status, body, _ = call(t, s, "PUT", path, map[string]any{"interval": 45, "rules": []any{rule("One")}})
	expect(t, status, 400, body, "invalid alert rule: interval (45s) should be non-zero and divided exactly by scheduler interval: 10s")
	bad := rule("Bad")
	bad["condition"] = "Z"
	status, body, _ = call(t, s, "PUT", path, map[string]any{"interval": 60, "rules": []any{bad}})
	expect(t, status, 400, body, "invalid alert rule: condition Z does not exist, must be one of [A B]")

	status, body, _ = call(t, s, "PUT", path, group)
	expect(t, status, 200, body, "")
	_, body, _ = call(t, s, "GET", path, nil)
	got := body["rules"].([]any)[0].(map[string]any)
	model := got["data"].([]any)[0].(map[string]any)["model"].(map[string]any)
	if got["for"] != "5m" || got["provenance"] != nil || got["id"] == nil || model["intervalMs"] != 1000.0 || model["maxDataPoints"] != 43200.0 {
		t.Errorf("stored rule = %v", got)
	}
	_, _, rules := call(t, s, "GET", "/api/v1/provisioning/alert-rules", nil)
	if rules[0].(map[string]any)["provenance"] != "api" {
		t.Errorf("alert-rules = %v", rules)
	}

	// Written with provenance api: the UI's edits (none) are refused.
	status, body, _ = call(t, s, "PUT", path, group, "X-Disable-Provenance", "true")
	expect(t, status, 400, body, "cannot change provenance from 'api' to ''")
	status, body, _ = call(t, s, "DELETE", path, nil, "X-Disable-Provenance", "true")
	expect(t, status, 400, body, "cannot change provenance from 'api' to ''")

	// A title is unique in its folder.
	status, body, _ = call(t, s, "PUT", "/api/v1/provisioning/folder/f/rule-groups/h", map[string]any{"interval": 60, "rules": []any{
		map[string]any{"uid": "other", "title": "One", "condition": "A", "noDataState": "OK", "execErrState": "Error", "for": "0s",
			"data": []any{map[string]any{"refId": "A", "datasourceUid": "mimir", "relativeTimeRange": map[string]any{"from": 60, "to": 0}, "model": map[string]any{}}}},
	}})
	if status != 400 || !strings.Contains(body["message"].(string), "a rule with the same title already exists in the folder") {
		t.Errorf("duplicate title: %d %v", status, body)
	}
	status, _, _ = call(t, s, "DELETE", path, nil)
	expect(t, status, 204, nil, "")
	status, body, _ = call(t, s, "GET", path, nil)
	expect(t, status, 404, body, "")
}

func TestContactPointsAndPolicy(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	cp := map[string]any{"uid": "scanium-slack", "name": "team", "type": "slack", "settings": map[string]any{"url": "https://hooks.slack.example/T0/B0/secret", "recipient": "#alerts"}}
	status, body, _ := call(t, s, "POST", "/api/v1/provisioning/contact-points", cp)
	if status != 202 || body["settings"].(map[string]any)["url"] != "[REDACTED]" {
		t.Errorf("create: %d %v", status, body)
	}
	_, _, list := call(t, s, "GET", "/api/v1/provisioning/contact-points", nil)
	if len(list) != 2 || strings.Contains(stringify(list), "hooks.slack.example") {
		t.Errorf("list leaks the secret or misses the default: %v", list)
	}

	status, body, _ = call(t, s, "PUT", "/api/v1/provisioning/policies", map[string]any{"receiver": "nobody"})
	expect(t, status, 400, body, "invalid object specification: receiver 'nobody' does not exist")
	status, body, _ = call(t, s, "PUT", "/api/v1/provisioning/policies", map[string]any{"receiver": "team", "group_wait": "60s"})
	expect(t, status, 202, body, "policies updated")
	_, body, _ = call(t, s, "GET", "/api/v1/provisioning/policies", nil)
	if body["receiver"] != "team" || body["group_wait"] != "1m" || body["provenance"] != "api" {
		t.Errorf("policy = %v", body)
	}
	status, body, _ = call(t, s, "DELETE", "/api/v1/provisioning/contact-points/scanium-slack", nil)
	expect(t, status, 409, body, "contact point 'team' is currently used by a notification policy")

	// An update with the secret redacted keeps it.
	cp["settings"].(map[string]any)["url"] = "[REDACTED]"
	status, _, _ = call(t, s, "PUT", "/api/v1/provisioning/contact-points/scanium-slack", cp)
	expect(t, status, 202, nil, "")
	if s.contactPoints[1].Settings["url"] != "https://hooks.slack.example/T0/B0/secret" {
		t.Errorf("the secret was lost: %v", s.contactPoints[1].Settings)
	}
}

func TestFaults(t *testing.T) {
	s := Start(Options{Token: token})
	defer s.Close()
	s.FailNext(1, 503)
	s.Inject(Fault{Count: 1, Status: 429, RetryAfter: "2"})
	s.DropNext(1)

	resp, err := http.Get(s.URL() + "/api/health") // FailNext spares health
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("health: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	status, _, _ := call(t, s, "GET", "/api/folders/x", nil)
	if status != 503 {
		t.Errorf("status %d, want 503", status)
	}
	// A fresh connection: net/http would resend a GET whose reused
	// connection closed.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := fresh.Get(s.URL() + "/api/health"); err == nil {
		t.Errorf("dropped connection answered")
	}
	status, _, _ = call(t, s, "GET", "/api/folders/x", nil)
	if status != 404 {
		t.Errorf("after the faults: %d", status)
	}
}

func stringify(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}
