// Command generate compiles the dashboards and alert rules of
// dashboards-as-code into the JSON artifacts of generated/ and renders their
// runbooks to docs/runbooks.md, or, with -check, reports how the committed
// files differ from what the code generates.
//
// Run it from the repository root:
//
//	go run ./dashboards-as-code/cmd/generate          # write generated/ and docs/runbooks.md
//	go run ./dashboards-as-code/cmd/generate -check   # exit 1 on drift
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
