# Sandbox image for the Docker runner (sandbox/docker). Build context: the
# repository root; see docker/sandbox/build.sh.
ARG SBXINIT_IMAGE=hirebus/sandbox-sbxinit:latest
FROM ${SBXINIT_IMAGE} AS sbxinit

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
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
