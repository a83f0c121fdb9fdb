#!/bin/sh
# Reloads Prometheus when its configuration or rule files change, after checking them.
#
#   reload-on-change.sh [--url=URL] [--interval=SECONDS] CONFIG [PATH ...]
#
# Every SECONDS (default 5) it checksums the files under the PATHs (files or directories, walked
# recursively, symlinks followed; default: CONFIG's directory). When they differ from the last look:
#   1. `promtool check config CONFIG` checks the config, every rule file it names and every
#      file_sd file;
#   2. if that passes, it POSTs URL/-/reload (default http://localhost:9090; Prometheus must run
#      with --web.enable-lifecycle). If it fails, promtool's output is logged and Prometheus is
#      NOT reloaded: it keeps serving the last good config and rules. The next change is checked
#      again (fix the file and save it).
# A reload that fails (Prometheus down or answering an error) is retried at the next look.
# Files are compared by content (md5sum), not time: polling works on bind mounts and network file
# systems where inotify events do not arrive. The files as they are at start are taken as the ones
# Prometheus loaded.
#
# POSIX sh, find, md5sum (or sha256sum or cksum), sort and curl or wget (BusyBox's is enough): it runs in the
# prom/prometheus image (deploy/compose/docker-compose.yml, service prometheus-reloader) and on
# a host. scripts/stack.py runs it beside the test Prometheus (Tests/IntegrationTests/test_stack_e2e.py).
set -u

URL=http://localhost:9090
INTERVAL=5
usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --url) [ $# -ge 2 ] || usage; URL=$2; shift 2 ;;
    --url=*) URL=${1#--url=}; shift ;;
    --interval) [ $# -ge 2 ] || usage; INTERVAL=$2; shift 2 ;;
    --interval=*) INTERVAL=${1#--interval=}; shift ;;
    -h|--help) usage ;;
    -*) echo "reload-on-change: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || usage
CONFIG=$1
shift
[ $# -ge 1 ] || set -- "$(dirname "$CONFIG")"
URL=${URL%/}

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) reload-on-change: $*"; }

# One line per file (checksum and name), sorted: a changed, added or removed file changes it.
SUM=
for c in md5sum sha256sum cksum; do
  if command -v "$c" >/dev/null 2>&1; then SUM=$c; break; fi
done
[ -n "$SUM" ] || { log "none of md5sum, sha256sum, cksum found"; exit 1; }
snapshot() {
  find -L "$@" -type f -exec "$SUM" {} \; 2>/dev/null | sort | "$SUM"
}

post_reload() {
  if command -v curl >/dev/null 2>&1; then
    curl -sS --max-time 60 --fail-with-body -X POST "$URL/-/reload"
  else
    wget -q -O - --post-data='' "$URL/-/reload"  # no -T: BusyBox 1.35's wget crashes with it and POST
  fi
}

command -v promtool >/dev/null 2>&1 || { log "promtool not found on PATH"; exit 1; }
for p in "$@"; do
  [ -e "$p" ] || log "warning: $p does not exist (yet): watched, but nothing to see there"
done
trap 'log "stopping"; exit 0' INT TERM

applied=$(snapshot "$@")   # what Prometheus runs
seen=$applied              # what the files were at the last look
retry=0
log "watching $* every ${INTERVAL}s; reloads $URL after promtool check config $CONFIG"
while :; do
  sleep "$INTERVAL" &
  wait $!
  now=$(snapshot "$@")
  if [ "$now" = "$seen" ] && [ "$retry" = 0 ]; then
    continue
  fi
  seen=$now
  retry=0
  if [ "$now" = "$applied" ]; then
    continue  # changed back to what Prometheus already runs
  fi
  if ! out=$(promtool check config "$CONFIG" 2>&1); then
    log "NOT reloading: promtool check config $CONFIG failed; Prometheus keeps the last good configuration:"
    printf '%s\n' "$out"
    continue
  fi
  if body=$(post_reload 2>&1); then
    applied=$now
    log "reloaded $URL (promtool check config passed)"
  else
    retry=1
    log "reload of $URL failed, retrying in ${INTERVAL}s: $body"
  fi
done
