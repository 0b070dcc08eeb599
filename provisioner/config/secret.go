package config

import "github.com/scanium/openai-monitoring/internal/secret"

// redacted is how every Secret prints.
const redacted = secret.Redacted

// Secret is a credential: the module's one secret type, which prints as
// <secret> however it is formatted, marshalled or logged.
type Secret = secret.Secret
