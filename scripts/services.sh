#!/usr/bin/env bash
# scripts/services.sh — brings up the services that edocwatch's tests, demo and benchmark talk to
# on this machine: PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and a throwaway Dovecot
# (127.0.0.1:$EDOCWATCH_IMAP_PORT, default 10143) living under $EDOCWATCH_DEVENV_DIR (default
# .tmp/dovecot). Idempotent, and fast when everything already runs: `npm test` calls it every time.
#
#   scripts/services.sh up [--bench] [--ocr] [--ldap] [--browser]
#                                           start what is down (--bench: also mbsync, notmuch;
#                                           --ocr: also tesseract with Vietnamese data, for OCR and its tests;
#                                           --ldap: also OpenLDAP's slapd and ldap-utils, for the LDAP tests,
#                                           which start a slapd of their own: the system one is not used;
#                                           --browser: also Debian's chromium, for the dashboard's browser tests)
#   scripts/services.sh status              one line per service; exit 1 if one is down
#   scripts/services.sh down                stop our Dovecot (Postgres and Redis are the machine's)
#   scripts/services.sh add-user USER PASS  add or replace an IMAP user and create its maildir
#
# src/devenv/dovecot.ts writes the same passwd file with the same lock (DIR/passwd.lock, taken
# with O_EXCL), so the two may run at the same time.
set -euo pipefail

# dovecot, pg_ctlcluster and redis-server live in sbin, which a non-login root shell may lack.
PATH="$PATH:/usr/sbin:/sbin"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${EDOCWATCH_DEVENV_DIR:-$REPO/.tmp/dovecot}"
# Same rule as src/devenv/dovecot.ts: a relative dir is taken from the current directory.
[[ $DIR == /* ]] || DIR="$PWD/$DIR"
PORT="${EDOCWATCH_IMAP_PORT:-10143}"
CONF="$DIR/dovecot.conf"
TEMPLATE="$REPO/config/dovecot/dovecot.conf.template"
# Dovecot will not touch mail as root; the template runs mail processes as 5000:5000.
MAIL_UID=5000
MAIL_GID=5000

say() { printf 'edocwatch: %s\n' "$*"; }
die() { printf 'edocwatch: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------------------------------------
# apt, only ever for packages we are about to use

APT_FRESH=0
apt_install() {
  is_root || die "cannot install $* without root: run as root, or: sudo apt-get install $*"
  local p
  # A fresh machine may have no package lists at all; refresh them only when a package is unknown
  # (apt-get update costs seconds and hits the network).
  if [ "$APT_FRESH" -eq 0 ]; then
    for p in "$@"; do
      if ! apt-cache show "$p" >/dev/null 2>&1; then
        apt-get update -qq
        break
      fi
    done
    APT_FRESH=1
  fi
  local log
  log="$(mktemp)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    die "apt-get install $* failed"
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------------------------------------
# probes: plain bash /dev/tcp, so they need no client tools and cost a few milliseconds

# True when 127.0.0.1:$1 sends an IMAP "* OK" greeting within 3 s.
imap_greets() {
  local line=''
  # A subshell keeps the fd and a refused connect's message out of the caller.
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    IFS= read -r -t 3 line <&3 || exit 1
    # Say goodbye so Dovecot logs a clean logout instead of a dropped connection.
    printf 'z LOGOUT\r\n' >&3 || true
    [[ $line == '* OK'* ]]
  ) 2>/dev/null
}

redis_pongs() {
  (
    local line=''
    exec 3<>/dev/tcp/127.0.0.1/6379 || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 3 line <&3 || exit 1
    [[ $line == '+PONG'* ]]
  ) 2>/dev/null
}

# Debian's psql and pg_isready on PATH are Perl wrappers costing ~0.15 s each; the binaries behind
# them answer in a few milliseconds, which keeps `up` well under a second when all is running.
PGBIN=''
for d in /usr/lib/postgresql/*/bin; do
  [ -d "$d" ] && PGBIN="$(printf '%s\n%s\n' "$PGBIN" "$d" | sort -V | tail -n 1)"
done
pg_tool() {
  local tool="$1"
  shift
  if [ -n "$PGBIN" ] && [ -x "$PGBIN/$tool" ]; then "$PGBIN/$tool" "$@"; else command "$tool" "$@"; fi
}
pg_ready() { pg_tool pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
pg_root_ok() { pg_tool psql -h 127.0.0.1 -p 5432 -U root -d postgres -XAtqc 'select 1' >/dev/null 2>&1; }

# Prints the pid of our Dovecot master if it is alive (its pid file lives under our base_dir).
dovecot_pid() {
  local f="$DIR/run/master.pid" pid=''
  [ -s "$f" ] || return 1
  read -r pid <"$f" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid is not our Dovecot.
  local comm=''
  read -r comm <"/proc/$pid/comm" 2>/dev/null || true
  [ "$comm" = dovecot ] || return 1
  echo "$pid"
}

# wait_for SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
  local tries=$(($1 * 10))
  shift
  while ! "$@"; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || return 1
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

postgres_up() {
  local state=ok
  # One query proves both that the server is up and that role root gets in: the common case.
  if pg_root_ok; then
    printf 'edocwatch: postgres %-7s 127.0.0.1:5432 (role root)\n' "$state"
    return 0
  fi
  if ! pg_ready; then
    local versions
    versions="$(ls /etc/postgresql 2>/dev/null || true)"
    if ! command -v pg_ctlcluster >/dev/null || [ -z "$versions" ]; then
      die "PostgreSQL is not installed: apt-get install postgresql"
    fi
    # Several installed versions: the newest is the one we want.
    pg_ctlcluster --skip-systemctl-redirect "$(printf '%s\n' "$versions" | sort -V | tail -n 1)" main start 9>&-
    wait_for 30 pg_ready || die "PostgreSQL did not come up on 127.0.0.1:5432 (see /var/log/postgresql)"
    state=started
  fi
  if ! pg_root_ok; then
    # Tests connect as the OS user (root) with trust auth; create the role if the machine lacks it.
    if is_root && id postgres >/dev/null 2>&1; then
      runuser -u postgres -- psql -XAtqc 'CREATE ROLE root SUPERUSER LOGIN' >/dev/null 2>&1 || true
    fi
    pg_root_ok || die "PostgreSQL is up but role root cannot connect to 127.0.0.1:5432 (trust auth expected)"
  fi
  printf 'edocwatch: postgres %-7s 127.0.0.1:5432 (role root)\n' "$state"
}

# ---------------------------------------------------------------------------------------------
# Redis

redis_up() {
  local state=ok
  if ! redis_pongs; then
    command -v redis-server >/dev/null || die "Redis is not installed: apt-get install redis-server"
    mkdir -p /var/lib/redis /var/log/redis
    # Redis holds only transient work (DESIGN.md), so it keeps nothing on disk.
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 9>&-
    wait_for 15 redis_pongs || die "Redis did not come up on 127.0.0.1:6379 (see /var/log/redis/ci.log)"
    state=started
  fi
  printf 'edocwatch: redis    %-7s 127.0.0.1:6379\n' "$state"
}

# ---------------------------------------------------------------------------------------------
# Dovecot

# Debian's package starts a system Dovecot on 143/993 where services may start; it is not ours and
# would only confuse a client pointed at the standard port, so stop it and keep it from booting.
stop_system_dovecot() {
  local f=/run/dovecot/master.pid pid=''
  [ -s "$f" ] || return 0
  read -r pid <"$f" || true
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  say "stopping the system Dovecot (pid $pid) that the package started; ours runs on $PORT"
  service dovecot stop >/dev/null 2>&1 || dovecot -c /etc/dovecot/dovecot.conf stop >/dev/null 2>&1 ||
    kill "$pid" 2>/dev/null || true
  update-rc.d dovecot disable >/dev/null 2>&1 || true
}

check_dir() {
  # Dovecot's config syntax splits args on spaces.
  [[ $DIR != *[[:space:]]* ]] || die "EDOCWATCH_DEVENV_DIR must not contain spaces: $DIR"
  if ! [[ $PORT =~ ^[0-9]+$ ]] || [ "$PORT" -le 0 ] || [ "$PORT" -ge 65536 ]; then
    die "EDOCWATCH_IMAP_PORT is not a port number: $PORT"
  fi
}

# Lays out DIR; the mail processes (uid 5000) must be able to walk down to their homes.
prepare_dir() {
  if [ ! -d "$DIR/mail" ]; then
    mkdir -p "$DIR/mail"
    chmod 755 "$DIR" "$DIR/mail"
  fi
  if [ ! -e "$DIR/passwd" ]; then
    : >>"$DIR/passwd"
    # Plain passwords of throwaway accounts, read by the auth process running as root.
    chmod 600 "$DIR/passwd"
  fi
}

# Renders the template into DIR/dovecot.conf; returns 0 when the file changed. Pure bash (no
# sed, cmp): on a loaded machine every fork costs tens of milliseconds of the fast path.
render_conf() {
  [ -f "$TEMPLATE" ] || die "missing $TEMPLATE"
  local text current=''
  text="$(<"$TEMPLATE")"
  text="${text//@DIR@/"$DIR"}"
  text="${text//@PORT@/"$PORT"}"
  [ -f "$CONF" ] && current="$(<"$CONF")"
  [ "$text" != "$current" ] || return 1
  printf '%s\n' "$text" >"$CONF.new.$$"
  mv -f "$CONF.new.$$" "$CONF"
}

dovecot_stop() {
  local pid
  pid="$(dovecot_pid)" || return 0
  dovecot -c "$CONF" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null' || die "Dovecot (pid $pid) did not stop"
}

# The port may be held by the dev Dovecot of another checkout of edocwatch (CI runs `bash .ci/run`
# in a fresh clone on the machine the session left, its own instance still running). That one is
# as throwaway as ours: stop it, so that users we write are the ones the server on $PORT reads.
# Anything else on the port is left alone. Returns 0 when it stopped one.
stop_other_devenv_dovecot() {
  local proc args conf pid stopped=1
  for proc in /proc/[0-9]*; do
    [ "$(cat "$proc/comm" 2>/dev/null)" = dovecot ] || continue
    args="$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)" || continue
    [[ $args =~ ^[^\ ]*dovecot\ -c\ ([^\ ]+)\ ?$ ]] || continue
    conf="${BASH_REMATCH[1]}"
    pid="${proc#/proc/}"
    if [ "$conf" = "$CONF" ]; then
      # Ours, unless it is the master of an earlier instance at this same path whose folder was
      # deleted and made anew (its pid file is gone with it): that one is an orphan too.
      [ "$(dovecot_pid 2>/dev/null)" = "$pid" ] && continue
      say "stopping an orphaned dev Dovecot (pid $pid) left by an earlier $DIR"
      kill "$pid" 2>/dev/null || true
      wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null' || die "the orphaned Dovecot (pid $pid) did not stop"
      stopped=0
      continue
    fi
    if [ ! -f "$conf" ]; then
      # A throwaway instance whose folder was deleted (a removed clone): it may still hold the
      # port without answering. Only dev instances are started with a -c of their own folder.
      [[ $conf == */dovecot/dovecot.conf ]] || continue
      say "stopping an orphaned dev Dovecot (pid $pid; its $conf is gone)"
      kill "$pid" 2>/dev/null || true
      wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null' || die "the orphaned Dovecot (pid $pid) did not stop"
      stopped=0
      continue
    fi
    if ! grep -qx 'instance_name = edocwatch-test' "$conf" || ! grep -qx "    port = $PORT" "$conf"; then
      continue
    fi
    say "stopping the dev Dovecot of another checkout ($conf), which holds port $PORT"
    dovecot -c "$conf" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    # The master closes its listeners as it exits.
    wait_for 10 eval '! kill -0 '"$pid"' 2>/dev/null' || die "the Dovecot of $conf (pid $pid) did not stop"
    return 0
  done
  return "$stopped"
}

dovecot_fail() {
  [ -f "$DIR/dovecot.log" ] && tail -n 15 "$DIR/dovecot.log" >&2
  die "$1 (log: $DIR/dovecot.log)"
}

dovecot_up() {
  if ! command -v dovecot >/dev/null; then
    is_root || die "Dovecot is not installed: run this as root, or: sudo apt-get install dovecot-imapd"
    say "installing dovecot-imapd (once) ..."
    apt_install dovecot-imapd
    stop_system_dovecot
  fi
  prepare_dir
  local changed=0 pid state=ok
  render_conf && changed=1
  if pid="$(dovecot_pid)"; then
    if [ "$changed" -eq 1 ]; then
      say "dovecot.conf changed: restarting our Dovecot"
      dovecot_stop
    elif wait_for 10 imap_greets "$PORT"; then
      printf 'edocwatch: dovecot  %-7s 127.0.0.1:%s (%s)\n' "$state" "$PORT" "$DIR"
      return 0
    else
      dovecot_fail "our Dovecot (pid $pid) runs but 127.0.0.1:$PORT gives no IMAP greeting"
    fi
  fi
  if imap_greets "$PORT"; then
    stop_other_devenv_dovecot ||
      die "127.0.0.1:$PORT answers IMAP but is not the Dovecot of $DIR: stop it, or set EDOCWATCH_IMAP_PORT"
  else
    # Orphans (a deleted clone's instance) can hold the port without greeting.
    stop_other_devenv_dovecot || true
  fi
  # 9>&-: the daemon must not inherit (and so hold forever) the services.lock descriptor; nor our
  # stdout and stderr: a caller reading them through a pipe (`npm test | tail`, vitest's global
  # setup piped) would otherwise wait for the daemon to exit. Its start-up messages go to a file.
  dovecot -c "$CONF" 9>&- </dev/null >>"$DIR/dovecot-start.log" 2>&1 ||
    { tail -n 5 "$DIR/dovecot-start.log" >&2; dovecot_fail "dovecot -c $CONF failed to start"; }
  wait_for 15 imap_greets "$PORT" || dovecot_fail "Dovecot started but 127.0.0.1:$PORT gives no IMAP greeting"
  state=started
  printf 'edocwatch: dovecot  %-7s 127.0.0.1:%s (%s)\n' "$state" "$PORT" "$DIR"
}

# ---------------------------------------------------------------------------------------------
# IMAP users

PASSWD_LOCK=''
# The same protocol as src/devenv/dovecot.ts: create DIR/passwd.lock exclusively (noclobber is
# O_EXCL), retry while someone else holds it, break it when a crashed writer left it behind.
lock_passwd() {
  local lock="$DIR/passwd.lock" tries=0 born
  until (set -o noclobber; printf '%s\n' "$$" >"$lock") 2>/dev/null; do
    born="$(stat -c %Y "$lock" 2>/dev/null || echo '')"
    # A writer holds the lock for milliseconds; one 30 s old is left over from a crash.
    if [ -n "$born" ] && [ $(($(date +%s) - born)) -gt 30 ]; then
      rm -f "$lock"
      continue
    fi
    tries=$((tries + 1))
    [ "$tries" -lt 1000 ] || die "timed out waiting for $lock"
    sleep 0.02
  done
  PASSWD_LOCK="$lock"
  trap 'rm -f "$PASSWD_LOCK"' EXIT
}

unlock_passwd() {
  rm -f "$PASSWD_LOCK"
  PASSWD_LOCK=''
  trap - EXIT
}

# write_passwd USER LINE TMP: called holding the lock, releases it; see add_user.
write_passwd() {
  local user="$1" line="$2" tmp="$3" old now stamp
  awk -F: -v u="$user" '$1 != u' "$DIR/passwd" >"$tmp"
  printf '%s\n' "$line" >>"$tmp"
  chmod 600 "$tmp"
  # Dovecot rereads the file when its mtime (in seconds) or size changed; a same-size rewrite
  # within the same second would go unseen, so the new mtime is always later than the old one.
  old="$(stat -c %Y "$DIR/passwd")"
  now="$(date +%s)"
  stamp=$((now > old ? now : old + 1))
  touch -d "@$stamp" "$tmp"
  mv -f "$tmp" "$DIR/passwd"
  unlock_passwd
  # Dovecot's auth process stats the passwd-file at most once per second of its clock, so a login
  # in the second of our write may still be answered from the old copy: return in the next one.
  local ms pause
  ms="$(date +%s%3N)"
  pause=$((1000 - ms % 1000 + 20))
  sleep "$((pause / 1000)).$(printf '%03d' $((pause % 1000)))"
}

add_user() {
  local user="$1" pass="$2"
  # The passwd-file format is colon-separated lines, and the user names a folder.
  [[ $user =~ ^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$ ]] || die "bad IMAP user name: $user"
  [[ -n $pass && $pass != *:* && $pass != *$'\n'* ]] || die "the password must be non-empty, without ':' or newlines"
  check_dir
  prepare_dir
  local home="$DIR/mail/$user" tmp="$DIR/passwd.tmp.$$" line
  line="$user:{PLAIN}$pass:$MAIL_UID:$MAIL_GID::$home"
  lock_passwd
  if grep -qxF -- "$line" "$DIR/passwd"; then
    # Already there: no rewrite, so nothing for Dovecot to notice and no need to wait.
    unlock_passwd
  else
    write_passwd "$user" "$line" "$tmp"
  fi
  local d dirs=("$home" "$home/Maildir")
  for d in '' .Sent .Drafts .Trash; do
    dirs+=("$home/Maildir/$d" "$home/Maildir/$d/cur" "$home/Maildir/$d/new" "$home/Maildir/$d/tmp")
  done
  mkdir -p "${dirs[@]}"
  # Only the folders themselves: a benchmark maildir may hold many files that its writer chowned.
  if is_root; then chown "$MAIL_UID:$MAIL_GID" "${dirs[@]}"; fi
  say "IMAP user $user on 127.0.0.1:$PORT (maildir $home/Maildir)"
}

# ---------------------------------------------------------------------------------------------

status() {
  local rc=0
  if pg_ready && pg_root_ok; then say "postgres up      127.0.0.1:5432"; else say "postgres down    127.0.0.1:5432"; rc=1; fi
  if redis_pongs; then say "redis    up      127.0.0.1:6379"; else say "redis    down    127.0.0.1:6379"; rc=1; fi
  local pid
  if pid="$(dovecot_pid)" && imap_greets "$PORT"; then
    say "dovecot  up      127.0.0.1:$PORT (pid $pid, $DIR)"
  else
    say "dovecot  down    127.0.0.1:$PORT ($DIR)"
    rc=1
  fi
  return "$rc"
}

bench_tools() {
  local pkgs=()
  command -v mbsync >/dev/null || pkgs+=(isync)
  command -v notmuch >/dev/null || pkgs+=(notmuch)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    say "installing ${pkgs[*]} for the benchmark ..."
    apt_install "${pkgs[@]}"
  fi
  say "bench    ok      mbsync, notmuch"
}

# Tesseract and its Vietnamese and English data: analyze.ocr, and the OCR tests that CI runs.
ocr_tools() {
  local pkgs=()
  command -v tesseract >/dev/null || pkgs+=(tesseract-ocr)
  # tesseract-ocr brings eng; vie is its own package.
  [ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/vie.traineddata 2>/dev/null)" ] || pkgs+=(tesseract-ocr-vie)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    say "installing ${pkgs[*]} for OCR ..."
    apt_install "${pkgs[@]}"
  fi
  say "ocr      ok      $(tesseract --version 2>&1 | head -n 1), languages: $(tesseract --list-langs 2>/dev/null | tail -n +2 | tr '\n' ' ')"
}

# OpenLDAP's slapd (test/helpers/slapd.ts runs its own instance with a generated slapd.conf on a
# free loopback port) and ldap-utils. The package's postinst may start a system slapd: it is not
# ours, so it is stopped and kept from booting, like the system Dovecot.
ldap_tools() {
  if [ ! -x /usr/sbin/slapd ] || ! command -v ldapsearch >/dev/null; then
    say "installing slapd ldap-utils for the LDAP tests ..."
    apt_install slapd ldap-utils
    if [ -s /run/slapd/slapd.pid ]; then
      service slapd stop >/dev/null 2>&1 || kill "$(cat /run/slapd/slapd.pid)" 2>/dev/null || true
    fi
    update-rc.d slapd disable >/dev/null 2>&1 || true
  fi
  say "ldap     ok      $(/usr/sbin/slapd -VV 2>&1 | head -n 1 | sed 's/^@(#) \$//; s/ *\$$//' | tr -s ' ')"
}

# Debian's chromium, driven by playwright-core in test/integration/web-browser.test.ts: never a
# browser build downloaded by playwright itself.
browser_tools() {
  if [ ! -x /usr/lib/chromium/chromium ] && ! command -v chromium >/dev/null; then
    say "installing chromium for the browser tests ..."
    apt_install chromium
  fi
  say "browser  ok      $(chromium --version 2>/dev/null | head -n 1)"
}

# Serializes concurrent `up`/`down` runs (two test runners starting at once would both try to
# start Dovecot); flock is util-linux, on every Debian.
lock_services() {
  mkdir -p "$DIR"
  if command -v flock >/dev/null; then
    exec 9>"$DIR/services.lock"
    flock -w 120 9 || die "timed out waiting for $DIR/services.lock"
  fi
}

usage() {
  echo "usage: scripts/services.sh up [--bench] [--ocr] [--ldap] [--browser] | status | down | add-user USER PASSWORD" >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up)
      local bench=0 ocr=0 ldap=0 browser=0
      while [ $# -gt 0 ]; do
        case "$1" in
          --bench) bench=1 ;;
          --ocr) ocr=1 ;;
          --ldap) ldap=1 ;;
          --browser) browser=1 ;;
          *) usage ;;
        esac
        shift
      done
      check_dir
      lock_services
      postgres_up
      redis_up
      dovecot_up
      if [ "$bench" -eq 1 ]; then bench_tools; fi
      if [ "$ocr" -eq 1 ]; then ocr_tools; fi
      if [ "$ldap" -eq 1 ]; then ldap_tools; fi
      if [ "$browser" -eq 1 ]; then browser_tools; fi
      ;;
    down)
      [ $# -eq 0 ] || usage
      check_dir
      lock_services
      dovecot_stop
      say "dovecot  stopped 127.0.0.1:$PORT ($DIR)"
      ;;
    status)
      [ $# -eq 0 ] || usage
      status
      ;;
    add-user)
      [ $# -eq 2 ] || usage
      add_user "$1" "$2"
      ;;
    *) usage ;;
  esac
}

main "$@"
