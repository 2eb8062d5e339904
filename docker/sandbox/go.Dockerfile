# Sandbox image for the Docker runner (sandbox/docker). Build context: the
# repository root; see docker/sandbox/build.sh.
ARG SBXINIT_IMAGE=hirebus/sandbox-sbxinit:latest
FROM ${SBXINIT_IMAGE} AS sbxinit

ARG GO_VERSION=1.26
FROM golang:${GO_VERSION}-bookworm
# Seed build cache: the standard library packages candidates use, built
# with the sandbox's flags (CGO_ENABLED=0, -trimpath) so compiles hit it.
# The runner copies it to a writable tmpfs (/tmp/gocache) per compile.
RUN mkdir -p /opt/gocache /tmp/warm \
 && printf 'package main\n\nimport (\n\t_ "bufio"\n\t_ "bytes"\n\t_ "container/heap"\n\t_ "container/list"\n\t_ "errors"\n\t_ "fmt"\n\t_ "io"\n\t_ "maps"\n\t_ "math"\n\t_ "math/big"\n\t_ "math/bits"\n\t_ "os"\n\t_ "regexp"\n\t_ "slices"\n\t_ "sort"\n\t_ "strconv"\n\t_ "strings"\n\t_ "sync"\n\t_ "time"\n\t_ "unicode"\n)\n\nfunc main() {}\n' > /tmp/warm/main.go \
 && cd /tmp/warm \
 && GOCACHE=/opt/gocache CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= go build -trimpath -o /dev/null main.go \
 && rm -rf /tmp/warm \
 && chmod -R a+rX /opt/gocache
COPY --from=sbxinit /sbxinit /usr/local/bin/sbxinit
# The unprivileged sandbox user (Config.User defaults to 10001:10001).
# /prog, /work and /tmp are tmpfs mounts made by the runner; the root file
# system is mounted read-only.
RUN groupadd -g 10001 sandbox \
 && useradd -u 10001 -g 10001 -M -d /work -s /usr/sbin/nologin sandbox \
 && mkdir -p /prog /work \
 && chown 10001:10001 /prog /work
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/sbxinit"]
