// Package billing is the billing exporter: it polls OpenAI's Costs and Usage
// APIs with an organization's admin key and exports, as the contract's
// openai_billed_ gauges over OTLP, what OpenAI billed for the most recent
// complete and settled UTC day, so that dashboards can set it against the
// backend's own estimate of the same day.
//
// Without OPENAI_ADMIN_KEY it says so once and idles until stopped. A poll
// either reads every page of both APIs and replaces the exported day, or
// fails and changes nothing.
package billing
