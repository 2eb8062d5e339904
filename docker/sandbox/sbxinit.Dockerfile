# Builds the sbxinit supervisor once; every language image copies it in.
# Build context: the repository root.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY sandbox/docker/ sandbox/docker/
# Standard library only: no module download is needed.
RUN CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags="-s -w" -o /out/sbxinit ./sandbox/docker/sbxinit

FROM scratch
COPY --from=build /out/sbxinit /sbxinit
