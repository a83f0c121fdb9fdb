# syntax=docker/dockerfile:1
# lag-exporter: consumer-group lag and Burrow-style status from __consumer_offsets (port 9573).
# Build from the repository root (BuildKit; lag-exporter.Dockerfile.dockerignore keeps .build/ out):
#   docker build -f deploy/docker/lag-exporter.Dockerfile -t lag-exporter .
#   docker run -d -p 9573:9573 -v "$PWD/examples/lag-exporter.yml:/etc/lag-exporter/lag-exporter.yml:ro" lag-exporter
# The entrypoint reads /etc/lag-exporter/lag-exporter.yml; extra arguments are more flags
# (e.g. --log.format=json). Check a config without serving:
#   docker run --rm -v ...:ro --entrypoint lag-exporter lag-exporter check-config --config.file=/etc/lag-exporter/lag-exporter.yml

# ---------------------------------------------------------------- build
# The builder and the runtime are the same Debian release (bookworm), so the system libraries the
# binary links (libsasl2, libgssapi_krb5, zlib, lz4, zstd, snappy, glibc, libstdc++) match at run
# time. scripts/check-images.py (a step of scripts/test.sh) derives both package lists below from
# the built binary (ldd, dpkg -S) and the C module maps, and fails when one lacks a package.
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
RUN swift build -c release --static-swift-stdlib --product lag-exporter \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/lag-exporter" /out/lag-exporter \
 && /out/lag-exporter --version

# ---------------------------------------------------------------- runtime
FROM ${RUNTIME_IMAGE}
# Extra packages, e.g. EXTRA_PACKAGES=krb5-user for kinit/klist when debugging Kerberos.
ARG EXTRA_PACKAGES=""
# libgssapi-krb5-2: linked (keytab credentials). libsasl2-modules-gssapi-mit: Cyrus SASL's GSSAPI
# plugin, loaded with dlopen() at run time (ldd does not show it); without it SASL GSSAPI fails.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libsasl2-2 libgssapi-krb5-2 libsasl2-modules-gssapi-mit \
      zlib1g liblz4-1 libzstd1 libsnappy1v5 libstdc++6 ${EXTRA_PACKAGES} \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 exporter \
 && useradd --system --uid 65532 --gid exporter --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin exporter
COPY --from=build /out/lag-exporter /usr/local/bin/lag-exporter
USER 65532:65532
EXPOSE 9573
# /-/healthy through bash's /dev/tcp (no curl in the image). 401 counts as alive: with
# basic_auth_users in --web.config.file every path needs a password. With TLS in the web
# config, override this (docker run --no-healthcheck, or a probe that speaks TLS).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9573 && printf 'GET /-/healthy HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -qE ' (200|401) '"]
ENTRYPOINT ["/usr/local/bin/lag-exporter", "--config.file=/etc/lag-exporter/lag-exporter.yml"]
