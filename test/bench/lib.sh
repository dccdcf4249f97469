# Shared by the dispatcher benchmarks (isaexec.sh, verexec.sh): sourced, not
# run.  bench_setup builds the helpers of test/bench/native/ into a scratch
# directory:
#   $BENCH_TMP/noop     static no-op target (the baseline, a)
#   $BENCH_TMP/floor    "floor TARGET ARGS...": one bare execve (the floor, b)
#   $BENCH_TMP/timeit   interleaved timing loop, median µs per invocation
#                       (-c: CPU time too)
# bench_report prints what b and c add over a and the ratio (c-a)/(b-a).
set -eu

bench_here=$(cd "$(dirname "$0")" && pwd)
bench_root=$(cd "$bench_here/../.." && pwd)
BENCH_COUNT=${BENCH_COUNT:-2000}
BENCH_ROUNDS=${BENCH_ROUNDS:-7}

bench_setup() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
	trap 'rm -rf "$BENCH_TMP"' EXIT
	# Same compiler choice as native/Makefile: the figures must describe
	# what gets installed.
	if command -v musl-gcc >/dev/null 2>&1; then
		BENCH_CC=musl-gcc
	else
		BENCH_CC=cc
		echo "bench: musl-gcc not found, building with cc (slower start-up)"
	fi
	for p in noop floor timeit; do
		$BENCH_CC -std=c99 -O2 -Wall -Wextra -Werror -static \
		    -o "$BENCH_TMP/$p" "$bench_here/native/$p.c"
	done
}

# bench_report NAME A B C [CPU_A CPU_B CPU_C]: microseconds per invocation
# of the baseline, the floor and the subject as printed by timeit (wall
# clock; CPU time too when timeit ran with -c).  The ratio is the goal's
# measure; CPU time says how much of a wall-clock figure a busy machine made.
bench_report() {
	awk -v name="$1" -v a="$2" -v b="$3" -v c="$4" -v ca="${5:-}" -v cb="${6:-}" -v cc="${7:-}" \
	    -v n="$BENCH_COUNT" -v r="$BENCH_ROUNDS" '
	function row(label, x, base, cx, cbase) {
		printf "  %-24s %9.1f us", label, x
		if (base != "") printf " (+%.1f)", x - base; else printf "         "
		if (cx != "") { printf "   %9.1f us", cx; if (cbase != "") printf " (+%.1f)", cx - cbase }
		printf "\n"
	}
	BEGIN {
		printf "%s: %d rounds x %d invocations each, median per invocation\n", name, r, n
		printf "  %-24s %18s", "", "wall clock"
		if (ca != "") printf "   %18s", "CPU time"
		printf "\n"
		row("(a) target directly", a, "", ca, "")
		row("(b) through the floor", b, a, cb, ca)
		row("(c) through " name, c, a, cc, ca)
		if (b - a <= 0) { print "  ratio (c-a)/(b-a): undefined (the floor added nothing: machine too noisy?)"; exit 1 }
		printf "  ratio (c-a)/(b-a): %.2f wall clock", (c - a) / (b - a)
		if (ca != "" && cb - ca > 0) printf ", %.2f CPU time", (cc - ca) / (cb - ca)
		printf "\n"
	}'
}
