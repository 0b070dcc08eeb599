// Package envconfigtest holds the check every configuration package's
// tests run on its declarations: the help it prints from them cannot miss
// a variable its loader reads, nor list one it never reads.
package envconfigtest

import (
	"testing"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// CheckSettingsCoverReads fails t unless settings lists each variable once,
// each with a doc, and lists exactly the variables in asked: those the
// package's loader asked for.
func CheckSettingsCoverReads(t testing.TB, settings []envconfig.Setting, asked map[string]bool) {
	t.Helper()
	listed := map[string]bool{}
	for _, s := range settings {
		if listed[s.Env] || s.Doc == "" {
			t.Errorf("%s listed twice or without a doc", s.Env)
		}
		listed[s.Env] = true
	}
	for k := range asked {
		if !listed[k] {
			t.Errorf("the loader reads %s, which the settings do not list", k)
		}
	}
	for k := range listed {
		if !asked[k] {
			t.Errorf("the settings list %s, which the loader never reads", k)
		}
	}
}
