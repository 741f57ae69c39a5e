#!/usr/bin/env bash
# Daily wirestrip run for cron. crontab line (02:15 UTC, yesterday's dumps; % must be escaped in crontab):
#
#   15 2 * * *  WIRESTRIP_INPUT='/data/dumps/{date}/**' WIRESTRIP_OUTPUT=/data/wirestrip /srv/wirestrip/docs/cron/wirestrip_daily.sh >> /var/log/wirestrip.log 2>&1
#
# Environment: WIRESTRIP_INPUT (glob; {date} becomes the run date), WIRESTRIP_OUTPUT, optional
# RUN_DATE (default: yesterday, UTC), WIRESTRIP (the command, default: wirestrip on PATH),
# WIRESTRIP_ARGS (more options, e.g. "--index /data/wirestrip/index --max-reject-rate 0.2").
# Exit code is wirestrip's: 0 ok, 2 bad options, 3 run failed (nothing committed), 4 reject rate
# over --max-reject-rate (committed). cron mails non-empty output; check the exit code in monitoring.
set -euo pipefail

: "${WIRESTRIP_INPUT:?set WIRESTRIP_INPUT}"
: "${WIRESTRIP_OUTPUT:?set WIRESTRIP_OUTPUT}"
RUN_DATE="${RUN_DATE:-$(date -u -d yesterday +%F)}"
WIRESTRIP="${WIRESTRIP:-wirestrip}"
input="${WIRESTRIP_INPUT//\{date\}/$RUN_DATE}"
mkdir -p "$WIRESTRIP_OUTPUT" 2>/dev/null || true  # object-store roots need no directory

# One run at a time per output root: a second cron firing waits for the first instead of racing its commit.
lock="${TMPDIR:-/tmp}/wirestrip-$(printf '%s' "$WIRESTRIP_OUTPUT" | cksum | cut -d' ' -f1).lock"
exec 9>"$lock"
flock 9

# shellcheck disable=SC2086  # WIRESTRIP_ARGS is a list of options
"$WIRESTRIP" run --input "$input" --output "$WIRESTRIP_OUTPUT" --run-date "$RUN_DATE" ${WIRESTRIP_ARGS:-}
