# syntax=docker/dockerfile:1
# push-gateway: a Pushgateway-compatible receiver for Kafka clients' own metrics, with a TTL (port 9091).
# Build from the repository root (BuildKit; push-gateway.Dockerfile.dockerignore keeps .build/ out):
#   docker build -f deploy/docker/push-gateway.Dockerfile -t push-gateway .
#   docker run -d --name push-gateway -p 9091:9091 --read-only push-gateway
# Per-job TTLs: -v "$PWD/push-gateway.yml:/etc/push-gateway/push-gateway.yml:ro" and
#   --config.file=/etc/push-gateway/push-gateway.yml. State across restarts: a volume and
#   --persistence.file=/var/lib/push-gateway/state.json (the directory must be writable by 65532).

# ---------------------------------------------------------------- build
# The builder and the runtime are the same Debian release (bookworm), so the system libraries the
# binary links (zlib, glibc, libstdc++) match at run time. scripts/check-images.py (a step of
# scripts/test.sh) derives the runtime package list below from the built binary (ldd, dpkg -S)
# and fails when it lacks a package. The build stage installs the same -dev packages as the lag
# and cluster images (push-gateway needs none of them): one shared, cached layer.
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
RUN swift build -c release --static-swift-stdlib --product push-gateway \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/push-gateway" /out/push-gateway \
 && /out/push-gateway --version

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
COPY --from=build /out/push-gateway /usr/local/bin/push-gateway
USER 65532:65532
EXPOSE 9091
# /-/healthy through bash's /dev/tcp (no curl in the image). 401 counts as alive: with
# basic_auth_users in --web.config.file every path needs a password. With TLS in the web
# config, override this (docker run --no-healthcheck, or a probe that speaks TLS). With
# --web.listen-address on another port, set it here too.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9091 && printf 'GET /-/healthy HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -qE ' (200|401) '"]
ENTRYPOINT ["/usr/local/bin/push-gateway"]
# The default TTL: a client that stopped pushing 10 minutes ago is removed (0 keeps it for ever).
CMD ["--metric.ttl=10m"]
