// Package web holds hirebus's browser pages — sign-in and registration
// (index.html), the signed-in app with live events and the code editor
// (app.html), and the API reference (docs.html) — embedded in the binary so a
// deployment is one file and the pages work without any external network:
// no CDN, no web fonts, no build step. Pages are built from the component
// library in ui.js (Preact + htm, vendored from npm into vendor/ by
// scripts/vendor-web.sh and checked against vendor.sha256); see docs/web.md.
package web

import (
	"embed"
	"net/http"
)

// FS holds the pages, scripts and the stylesheet at its root.
//
//go:embed *.html *.js *.css vendor/*.js
var FS embed.FS

// Handler serves FS as static files (index.html for "/").
func Handler() http.Handler { return http.FileServerFS(FS) }
