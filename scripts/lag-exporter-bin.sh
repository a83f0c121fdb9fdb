# Sourced by the Burrow benchmark and comparison: sets LAG_EXPORTER_BIN to a release build of
# lag-exporter unless the caller gave one. The build uses its own scratch path
# (BENCH_SCRATCH, default .build/bench) so it never waits for the lock of .build.
if [ -z "${LAG_EXPORTER_BIN:-}" ]; then
  scratch="${BENCH_SCRATCH:-$ROOT/.build/bench}"
  echo "$(basename "$0"): nice -n 10 swift build -c release --product lag-exporter --scratch-path $scratch"
  nice -n 10 swift build -c release --product lag-exporter --scratch-path "$scratch"
  LAG_EXPORTER_BIN="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/lag-exporter"
fi
[ -x "$LAG_EXPORTER_BIN" ] || { echo "$(basename "$0"): no executable at $LAG_EXPORTER_BIN" >&2; exit 2; }
command -v Burrow >/dev/null 2>&1 || { echo "$(basename "$0"): no Burrow binary (scripts/setup.sh --with-burrow)" >&2; exit 2; }
