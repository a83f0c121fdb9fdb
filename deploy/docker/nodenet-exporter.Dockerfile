# syntax=docker/dockerfile:1
# nodenet-exporter: TCP connection detail from /proc/net/tcp{,6} (port 9574).
# Build from the repository root (BuildKit; nodenet-exporter.Dockerfile.dockerignore keeps .build/ out):
#   docker build -f deploy/docker/nodenet-exporter.Dockerfile -t nodenet-exporter .
# It must see the HOST's sockets: /proc/net/tcp shows the network namespace of the reading
# process, so run it in the host network and read the host's procfs mounted at /host/proc:
#   docker run -d --name nodenet-exporter --net=host --read-only \
#     -v /proc:/host/proc:ro nodenet-exporter --path.procfs=/host/proc
# Without --net=host it reports the container's own (empty) namespace. --collector.processes
# (socket -> process) also needs the host's PID namespace and CAP_SYS_PTRACE, as root:
#   ... --pid=host --user 0 --cap-add SYS_PTRACE nodenet-exporter --path.procfs=/host/proc --collector.processes
# Peer groups: -v "$PWD/examples/nodenet-peer-groups.yml:/etc/nodenet-exporter/peer-groups.yml:ro"
#   and --collector.peers --collector.peers.config=/etc/nodenet-exporter/peer-groups.yml

# ---------------------------------------------------------------- build
# The builder and the runtime are the same Debian release (bookworm), so the system libraries the
# binary links (zlib, glibc, libstdc++) match at run time. scripts/check-images.py (a step of
# scripts/test.sh) derives the runtime package list below from the built binary (ldd, dpkg -S)
# and fails when it lacks a package. The build stage installs the same -dev packages as the lag
# and cluster images (nodenet-exporter needs none of them): one shared, cached layer.
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# Package versions come from the Debian release of the base image (pin the image by digest for
# reproducible builds).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      pkg-config libsasl2-dev libkrb5-dev zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer is reused while only the sources change.
COPY Package.swift Package.resolve[d] ./
RUN swift package resolve
# Every target declared in Package.swift must exist, tests and benchmarks included.
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
# --static-swift-stdlib: the Swift runtime and Foundation are linked in; the image needs no Swift.
RUN swift build -c release --static-swift-stdlib --product nodenet-exporter \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/nodenet-exporter" /out/nodenet-exporter \
 && /out/nodenet-exporter --version

# ---------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE}
# Extra packages, e.g. EXTRA_PACKAGES=ca-certificates when a web config's TLS files need them.
ARG EXTRA_PACKAGES=""
# Only what the binary links (both are in debian:*-slim already; named so the image says it).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      zlib1g libstdc++6 ${EXTRA_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 exporter \
 && useradd --system --uid 65532 --gid exporter --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin exporter
COPY --from=build /out/nodenet-exporter /usr/local/bin/nodenet-exporter
USER 65532:65532
EXPOSE 9574
# /-/healthy through bash's /dev/tcp (no curl in the image). 401 counts as alive: with
# basic_auth_users in --web.config.file every path needs a password. With TLS in the web
# config, override this (docker run --no-healthcheck, or a probe that speaks TLS). With
# --web.listen-address on another port, set it here too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9574 && printf 'GET /-/healthy HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -qE ' (200|401) '"]
ENTRYPOINT ["/usr/local/bin/nodenet-exporter"]
# The documented way to run it (host /proc at /host/proc); replace the arguments to change it.
CMD ["--path.procfs=/host/proc"]
