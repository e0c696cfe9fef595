#!/usr/bin/env bash
# Runs every test of Control Tower. Installs or starts what the tests need, idempotently:
# PostgreSQL and MariaDB (Debian's packages, throwaway servers on loopback), Redis (Debian's redis-server, a
# throwaway server on loopback), the MCP reference servers and s3rver (npm, from the committed lockfiles), Chromium
# (Debian's package) for the dashboard's browser tests, then
# `dotnet test` over the whole solution (the Server's build also builds the dashboard with npm). Fails loudly when a prerequisite
# cannot be had; it never skips the PostgreSQL, MariaDB or Redis tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root=$(pwd)

say() { printf '\n== %s\n' "$*"; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (dotnet not on PATH)"

# ---- PostgreSQL: a throwaway cluster for this run -----------------------------------------------
pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! pg_bin >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  else
    die "PostgreSQL is missing: install it with 'sudo apt-get install postgresql' (the tests need initdb and pg_ctl)"
  fi
fi
PG_BIN=$(pg_bin) || die "PostgreSQL's initdb was not found after installing"

pg_dir=$(mktemp -d /tmp/controltower-pg.XXXXXX)
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"

free_port() {
  local candidate
  for candidate in $(shuf -i 20000-29999 -n 20); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

pg_port=$(free_port) || die "no free loopback port for PostgreSQL"

stop_pg() {
  run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
redis_dir=""
stop_redis() {
  if [ -n "$redis_dir" ] && [ -f "$redis_dir/redis.pid" ]; then kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
  [ -n "$redis_dir" ] && rm -rf "$redis_dir"
  return 0
}
my_dir=""
stop_mariadb() {
  if [ -n "$my_dir" ]; then
    [ -f "$my_dir/mariadb.pid" ] && kill "$(cat "$my_dir/mariadb.pid")" 2>/dev/null || true
    rm -rf "$my_dir"
  fi
  return 0
}
s3_pid=""
stop_all() {
  [ -n "$s3_pid" ] && kill "$s3_pid" 2>/dev/null
  stop_redis
  stop_mariadb
  stop_pg
}
trap stop_all EXIT

say "starting a throwaway PostgreSQL on 127.0.0.1:$pg_port"
run_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U controltower -A trust --no-sync >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; die "initdb failed"; }
run_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-h 127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
  || { cat "$pg_dir/server.log" >&2; die "PostgreSQL did not start"; }
export CT_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=controltower;Database=postgres"

# ---- Redis: a throwaway server for this run (the cache's second level, shared rate limits) ---------
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Redis from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq redis-server >/dev/null
  else
    die "Redis is missing: install it with 'sudo apt-get install redis-server' (the cache tests need redis-server)"
  fi
fi
command -v redis-server >/dev/null || die "redis-server was not found after installing"

redis_port=""
for candidate in $(shuf -i 30000-39999 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then redis_port=$candidate; break; fi
done
[ -n "$redis_port" ] || die "no free loopback port for Redis"
redis_dir=$(mktemp -d /tmp/controltower-redis.XXXXXX)

say "starting a throwaway Redis on 127.0.0.1:$redis_port"
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --dir "$redis_dir" \
  --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" \
  || die "redis-server did not start"
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG || { cat "$redis_dir/redis.log" >&2; die "Redis did not answer"; }
export CT_TEST_REDIS="redis://127.0.0.1:$redis_port"

# ---- MariaDB: a throwaway server for this run (the MySQL provider's tests) -------------------------
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing MariaDB from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq mariadb-server >/dev/null
  else
    die "MariaDB is missing: install it with 'sudo apt-get install mariadb-server' (the MySQL tests need mariadbd)"
  fi
fi
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
my_dir=$(mktemp -d /tmp/controltower-mariadb.XXXXXX)
my_user=$(id -un)
if [ "$(id -u)" = 0 ]; then my_user=mysql; chown mysql "$my_dir"; fi
my_port=$(free_port) || die "no free loopback port for MariaDB"

say "starting a throwaway MariaDB on 127.0.0.1:$my_port"
mariadb-install-db --no-defaults --user="$my_user" --datadir="$my_dir/data" --auth-root-authentication-method=socket \
  --skip-test-db >"$my_dir/install.log" 2>&1 || { cat "$my_dir/install.log" >&2; die "mariadb-install-db failed"; }
"$MARIADBD" --no-defaults --user="$my_user" --datadir="$my_dir/data" --socket="$my_dir/mariadb.sock" \
  --pid-file="$my_dir/mariadb.pid" --bind-address=127.0.0.1 --port="$my_port" --skip-name-resolve \
  --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 --max-connections=300 >"$my_dir/server.log" 2>&1 &
for _ in $(seq 1 60); do
  mariadb --no-defaults --socket="$my_dir/mariadb.sock" -u root -e "SELECT 1" >/dev/null 2>&1 && break
  sleep 0.5
done
# The tests' user creates and drops a database per test; its password is throwaway like the server.
mariadb --no-defaults --socket="$my_dir/mariadb.sock" -u root -e \
  "CREATE USER 'controltower'@'127.0.0.1' IDENTIFIED BY 'controltower'; GRANT ALL ON *.* TO 'controltower'@'127.0.0.1';" \
  || { cat "$my_dir/server.log" >&2; die "MariaDB did not start"; }
export CT_TEST_MYSQL="mysql://controltower:controltower@127.0.0.1:$my_port/mysql"

# ---- MCP reference servers (npm, pinned by the lockfile) -----------------------------------------
if [ -x scripts/install-mcp-servers.sh ]; then
  say "installing the MCP reference servers"
  scripts/install-mcp-servers.sh
fi
# ---- s3rver: a real S3 protocol server on loopback for the blob store's S3 tests (npm, pinned by the lockfile) ----
say "installing s3rver"
scripts/install-s3rver.sh
s3_port=""
for candidate in $(shuf -i 30000-39999 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then s3_port=$candidate; break; fi
done
[ -n "$s3_port" ] || die "no free loopback port for s3rver"
mkdir -p "$pg_dir/s3"
tools/s3rver/node_modules/.bin/s3rver -d "$pg_dir/s3" -a 127.0.0.1 -p "$s3_port" --silent >"$pg_dir/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break; sleep 0.2; done
(exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null || { cat "$pg_dir/s3rver.log" >&2; die "s3rver did not start"; }
say "s3rver listening on 127.0.0.1:$s3_port"
export CT_TEST_S3="http://127.0.0.1:$s3_port"

if [ -x scripts/install-mcp-conformance.sh ]; then
  say "installing the MCP conformance suite (and the Node 22 it runs on)"
  scripts/install-mcp-conformance.sh
fi

# ---- Chromium for the browser tests (Debian's package; Playwright's own browser download is not used) ------
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    die "Chromium is missing: install it with 'sudo apt-get install chromium' (the browser tests drive /usr/bin/chromium)"
  fi
fi
[ -x /usr/bin/chromium ] || die "Chromium was not found at /usr/bin/chromium after installing"

# ---- the tests -----------------------------------------------------------------------------------
say "building"
dotnet build ControlTower.slnx -c Release -nologo -v quiet

say "checking the C# formatting (dotnet format --verify-no-changes, .editorconfig)"
format_status=0
dotnet format ControlTower.slnx --verify-no-changes --no-restore 2>&1 | tail -40 || format_status=1

say "checking the C# line length (at most 200 characters; .editorconfig max_line_length)"
# The generated EF Core migrations are exempt. Lines are counted in characters under a UTF-8 locale.
line_length_status=0
long_lines=$(git ls-files -z '*.cs' | grep -zv '^src/ControlTower.Server/Platform/Persistence/Migrations/' \
  | LC_ALL=C.UTF-8 xargs -0 -r awk 'length > 200 { print FILENAME ":" FNR ": " length " characters" }')
if [ -n "$long_lines" ]; then
  printf '%s\n' "$long_lines"
  line_length_status=1
fi

say "testing"
log="$pg_dir/dotnet-test.log"
set +e
# One project at a time: the browser scenarios and the crash test measure wall-clock behaviour and
# must not compete with the other suites for the machine's cores.
dotnet test ControlTower.slnx -c Release --no-build -nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over every test project: "Tests: N passed, N failed, N skipped".
awk '
  /(Passed|Failed)! +- +Failed:/ {
    # Reads the count after each label without writing a field: gawk grows NF when $(NF+1) is assigned.
    for (i = 1; i < NF; i++) {
      count = $(i+1)
      gsub(",", "", count)
      if ($i == "Failed:") failed += count
      if ($i == "Passed:") passed += count
      if ($i == "Skipped:") skipped += count
    }
    projects++
  }
  END {
    if (projects == 0) { print "Tests: 0 passed, 1 failed, 0 skipped (no test results were reported)"; exit }
    printf "Tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped
  }' "$log"
if [ "$status" -eq 0 ] && ! grep -qE '(Passed|Failed)! +- +Failed:' "$log"; then status=1; fi
if [ "$format_status" -ne 0 ]; then
  echo "Formatting: dotnet format found code to change (listed above); run 'dotnet format ControlTower.slnx'"
  status=1
fi
if [ "$line_length_status" -ne 0 ]; then
  echo "Line length: C# lines longer than 200 characters (listed above); wrap them"
  status=1
fi
exit "$status"
