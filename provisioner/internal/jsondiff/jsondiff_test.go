package jsondiff

import (
	"strings"
	"testing"
)

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("Decode(%s): %v", s, err)
	}
	return v
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name             string
		current, desired string
		want             []string
	}{
		{name: "equal", current: `{"a":1,"b":[1,2]}`, desired: `{"b":[1,2],"a":1}`},
		{name: "numbers compare by value", current: `{"a":1.0,"b":1e3}`, desired: `{"a":1,"b":1000}`},
		{
			name:    "scalar change",
			current: `{"title":"Old","refresh":"30s"}`, desired: `{"title":"New","refresh":"30s"}`,
			want: []string{`~ title: "Old" -> "New"`},
		},
		{
			name:    "added and removed keys",
			current: `{"a":1,"gone":true}`, desired: `{"a":1,"new":{"x":"y"}}`,
			want: []string{`- gone: true`, `+ new: {"x":"y"}`},
		},
		{
			name:    "type change",
			current: `{"a":"1"}`, desired: `{"a":1}`,
			want: []string{`~ a: "1" -> 1`},
		},
		{
			name:    "null versus absent",
			current: `{"a":null}`, desired: `{}`,
			want: []string{`- a: null`},
		},
		{
			name:    "positional arrays",
			current: `{"tags":["a","b","c"]}`, desired: `{"tags":["a","x"]}`,
			want: []string{`~ tags[1]: "b" -> "x"`, `- tags[2]: "c"`},
		},
		{
			name:    "keyed by id: an insertion is one addition",
			current: `{"panels":[{"id":1,"title":"A"},{"id":2,"title":"B"}]}`,
			desired: `{"panels":[{"id":1,"title":"A"},{"id":3,"title":"C"},{"id":2,"title":"B2"}]}`,
			want:    []string{`~ panels[id=2].title: "B" -> "B2"`, `+ panels[id=3]: {"id":3,"title":"C"}`},
		},
		{
			name:    "keyed by uid, nested refId",
			current: `{"rules":[{"uid":"r1","data":[{"refId":"A","model":{"expr":"up"}},{"refId":"B"}]}]}`,
			desired: `{"rules":[{"uid":"r1","data":[{"refId":"A","model":{"expr":"up > 0"}},{"refId":"B"}]}]}`,
			want:    []string{`~ rules[uid=r1].data[refId=A].model.expr: "up" -> "up > 0"`},
		},
		{
			name:    "reordered keyed elements",
			current: `{"list":[{"name":"a"},{"name":"b"}]}`, desired: `{"list":[{"name":"b"},{"name":"a"}]}`,
			want: []string{`~ list: order changed`},
		},
		{
			name:    "duplicate keys fall back to positions",
			current: `[{"id":1,"v":1},{"id":1,"v":2}]`, desired: `[{"id":1,"v":1},{"id":1,"v":3}]`,
			want: []string{`~ [1].v: 2 -> 3`},
		},
		{
			name:    "keys that are not identifiers are quoted",
			current: `{"labels":{"app.kubernetes.io/name":"a"}}`, desired: `{"labels":{"app.kubernetes.io/name":"b"}}`,
			want: []string{`~ labels["app.kubernetes.io/name"]: "a" -> "b"`},
		},
		{
			name:    "values are shown without HTML escaping",
			current: `{"expr":"a > 1"}`, desired: `{"expr":"a < 1 && b"}`,
			want: []string{`~ expr: "a > 1" -> "a < 1 && b"`},
		},
		{
			name:    "whole document type change",
			current: `[1]`, desired: `{"a":1}`,
			want: []string{`~ (document): [1] -> {"a":1}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := Diff(mustDecode(t, tt.current), mustDecode(t, tt.desired))
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Diff:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderTruncates(t *testing.T) {
	long := strings.Repeat("x", 500)
	c := Change{Path: "description", Op: Added, To: long}
	s := c.String()
	if len(s) > maxValueLen+40 || !strings.HasSuffix(s, "…") {
		t.Errorf("String() = %q, want a truncated value", s)
	}
}

func TestNormalizeTypedAndRawAgree(t *testing.T) {
	type panel struct {
		ID    int     `json:"id"`
		Title string  `json:"title"`
		Ratio float64 `json:"ratio"`
	}
	typed, err := Normalize(map[string]any{"panels": []panel{{ID: 1, Title: "A", Ratio: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	raw := mustDecode(t, `{"panels":[{"id":1,"title":"A","ratio":0.50}]}`)
	if !Equal(typed, raw) {
		t.Errorf("typed and raw documents differ: %v", Diff(raw, typed))
	}
}

func TestFormatRedactsBeforeTheCut(t *testing.T) {
	secret := "s3cr3t-value-0123456789"
	c := Change{Path: "a", Op: Changed, From: strings.Repeat("x", 110) + secret, To: "b"}
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "<secret>") }
	if got := c.Format(redact); strings.Contains(got, secret[:5]) || !strings.Contains(got, "<secret>") {
		t.Errorf("Format = %q", got)
	}
	if got := c.String(); !strings.Contains(got, secret[:5]) {
		t.Errorf("String = %q, want the value as it is", got)
	}
}
