# syntax=docker/dockerfile:1.7
#
# hirebus: one image for every role (edge, each worker, migrate, all).
#
#   docker build -t hirebus .                        # runtime (default target)
#   docker build --target runtime-toolchains -t hirebus:toolchains .
#
# runtime            small Debian image with the static binary only. The code
#                    worker in production uses HIREBUS_SANDBOX=docker and the
#                    host's Docker socket, so it needs no compilers of its own.
# runtime-toolchains the same binary plus Python 3, Node 20, Go, GCC/G++ and
#                    Java 17, for running the code worker with the local
#                    (namespace) sandbox inside a container, e.g. where no
#                    Docker socket may be mounted. See docs/operations.md.
#
# Face model weights are never baked in: `make models` (or the compose
# "models" service) puts them in a volume mounted at HIREBUS_MODELS_DIR.

ARG GO_VERSION=1.26
ARG DEBIAN_RELEASE=bookworm

# ---- build -------------------------------------------------------------------
FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
# Modules first: a source-only change then reuses this layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# Pure Go (the face pipeline and the namespace sandbox need no cgo), so the
# binary is static and runs on any base image.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
      -o /out/hirebus ./cmd/hirebus \
 && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
      -o /out/hirebus-sandbox-init ./sandbox/local/cmd/hirebus-sandbox-init

# ---- base: what every runtime image shares ------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS base
# ca-certificates: SMTP over TLS and Pinecone; tzdata: correct local times in
# mails; curl: the container health check of the edge (GET /ready).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hirebus \
 && useradd --system --uid 10001 --gid hirebus --home-dir /var/lib/hirebus \
      --shell /usr/sbin/nologin hirebus \
 && install -d -o hirebus -g hirebus -m 0750 /var/lib/hirebus /models /run/hirebus-keys
COPY --from=build /out/hirebus /usr/local/bin/hirebus
# The local sandbox starts this small init beside the binary (much faster than
# re-executing hirebus itself for every run).
COPY --from=build /out/hirebus-sandbox-init /usr/local/bin/hirebus-sandbox-init
ENV HIREBUS_HTTP_ADDR=:8080 \
    HIREBUS_DATA_DIR=/var/lib/hirebus \
    HIREBUS_MODELS_DIR=/models
WORKDIR /var/lib/hirebus
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/hirebus"]
CMD ["all"]

# ---- runtime-toolchains --------------------------------------------------------
# Node 20 and Go come from their official images (Debian's are older than the
# versions the sandbox tests and the problem limits were written for). Built
# for amd64, the only architecture the Java path below exists on.
FROM node:20-${DEBIAN_RELEASE}-slim AS node
FROM base AS runtime-toolchains
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 gcc g++ libc6-dev openjdk-17-jdk-headless \
 && rm -rf /var/lib/apt/lists/*
# The local runner expects the toolchains where the sandbox's language table
# names them (sandbox/sandbox.go): /usr/bin/node, /usr/local/go,
# /usr/lib/jvm/java-17-openjdk-amd64; it hides the rest of /usr/local.
COPY --from=node /usr/local/bin/node /usr/bin/node
COPY --from=build /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:$PATH
USER hirebus

# ---- runtime (last stage, so the default target) ------------------------------
FROM base AS runtime
USER hirebus
