# Builds the sbxinit supervisor once; every language image copies it in.
# Build context: the repository root. sbxinit uses only the standard
# library, so it is built as a tiny module of its own: no dependency of
# the main module is downloaded.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY sandbox/docker/sbxinit/ sandbox/docker/sbxinit/
COPY sandbox/docker/internal/sbxproto/ sandbox/docker/internal/sbxproto/
RUN printf 'module github.com/hirebus/hirebus\n\ngo 1.24\n' > go.mod \
 && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags="-s -w" -o /out/sbxinit ./sandbox/docker/sbxinit

FROM scratch
COPY --from=build /out/sbxinit /sbxinit
