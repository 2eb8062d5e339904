// Package docker is the production sandbox runner: every compile and run
// happens in a locked-down container of a per-language image.
package docker

import _ "github.com/docker/docker/client"
