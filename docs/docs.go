// Package docs embeds the API description so the edge can serve it at
// /docs/openapi.yaml; the Markdown documents live beside it for readers.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
