# Shared by scripts/run and scripts/test: find or install what Slate needs.

say() { printf '%s\n' "$*" >&2; }

need_go() {
	command -v go >/dev/null || { say "Slate needs Go 1.26 or newer: https://go.dev/dl/"; exit 1; }
}

# pg_bindir prints the directory of PostgreSQL's server tools (initdb, pg_ctl).
pg_bindir() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	command -v pg_ctl >/dev/null && dirname "$(command -v pg_ctl)"
}

# need_pkg CMD DEBIAN_PACKAGE [PATH]: make sure CMD (or PATH) exists,
# installing the Debian package when running as root.
apt_updated=
need_pkg() {
	local cmd=$1 pkg=$2 path=${3:-}
	if [ -n "$path" ] && [ -x "$path" ]; then return; fi
	if [ -z "$path" ] && command -v "$cmd" >/dev/null; then return; fi
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "== installing $pkg (for $cmd)"
		[ -n "$apt_updated" ] || { apt-get update -qq >&2; apt_updated=1; }
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2
	else
		say "Slate needs $cmd: install it with 'sudo apt-get install -y $pkg' (or your system's equivalent)."
		exit 1
	fi
}

# start_postgres starts a throwaway server on a free loopback port and exports
# SLATE_TEST_POSTGRES. initdb and pg_ctl refuse to run as root, so as root the
# server runs as the postgres user.
start_postgres() {
	local bin port
	bin=$(pg_bindir)
	PG_TMP=$(mktemp -d /tmp/slate-pg.XXXXXX)
	port=$(free_port)
	local as=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$PG_TMP"
		as=(runuser -u postgres --)
	fi
	"${as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync >"$PG_TMP/initdb.log" 2>&1 ||
		{ cat "$PG_TMP/initdb.log" >&2; exit 1; }
	"${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -o \
		"-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
		start >/dev/null || { cat "$PG_TMP/server.log" >&2; exit 1; }
	PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -m immediate stop)
	"${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE slate_test" postgres
	export SLATE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/slate_test?sslmode=disable"
}

stop_postgres() {
	[ -n "${PG_TMP:-}" ] || return 0
	"${PG_STOP[@]}" >/dev/null 2>&1 || true
	rm -rf "$PG_TMP"
}

# free_port prints a loopback TCP port nothing listens on.
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 30000))
		(echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
	done
	say "no free port found"; exit 1
}
