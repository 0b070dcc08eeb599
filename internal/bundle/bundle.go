// Package bundle is the one model of what dashboards-as-code generates under
// generated/ and what the provisioner pushes from there: the layout of the
// directory (where dashboards, rule groups and notification settings go),
// the fixed identities the artifacts refer to (DESIGN.md, decision 6: the
// folder, the datasources, the dashboards), the typed decoding of the
// artifacts, and the structural checks that the generator's validation and
// the provisioner's loading both apply.
//
// It depends on the standard library only, so that every part of the module
// (generator, validator, provisioner, fakes, tests) can import it.
package bundle
