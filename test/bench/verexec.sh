#!/bin/sh
# Benchmark: what verexec adds to a command's start-up.  A static no-op is
# registered as the versions of two commands, one with 3 versions and one
# with 1,000 in its directory, each command a hard link to lib/verexec; they
# are timed against (a) the no-op run directly and (b) the no-op behind the
# bare-execve floor, all in one interleaved run.  Goals: (c-a)/(b-a) <= 3
# with 3 versions, <= 10 with 1,000.
#   sh test/bench/verexec.sh        (BENCH_COUNT, BENCH_ROUNDS to tune)
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
bench_setup

make -s -C "$bench_root/native" BUILD="$BENCH_TMP/build" "$BENCH_TMP/build/verexec"
prefix=$BENCH_TMP/prefix
mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/libexec" "$prefix/etc/v3" "$prefix/etc/v1000"
cp "$BENCH_TMP/build/verexec" "$prefix/lib/verexec"
ln "$prefix/lib/verexec" "$prefix/bin/v3"
ln "$prefix/lib/verexec" "$prefix/bin/v1000"
cp "$BENCH_TMP/noop" "$prefix/libexec/noop"
for v in 5.8.4 5.10.0 5.36.0; do
	ln -s ../../libexec/noop "$prefix/etc/v3/$v"
done
# 1,000 entries of the kinds a real directory holds: releases, revisions,
# release candidates, and links for the other ABI that must be passed over.
i=0
while [ $i -lt 250 ]; do
	for v in "1.$i" "1.${i}nb2" "1.${i}rc1" "1.$i-32"; do
		printf '%s\n' "$v"
	done
	i=$((i + 1))
done | (cd "$prefix/etc/v1000" && xargs -I{} ln -s ../../libexec/noop {})
[ "$(ls "$prefix/etc/v1000" | wc -l)" -eq 1000 ]
export VEREXEC_ALTDIR="$prefix/etc"
unset ABI VEREXEC_v3 VEREXEC_v1000
# What runs must be the no-op through the highest link, or the figures lie.
[ "$("$prefix/lib/verexec" -w v3)" = "$prefix/etc/v3/../../libexec/noop" ]
[ "$("$prefix/lib/verexec" -l v1000 | sed -n 1p)" = "* 1.249nb2 -> ../../libexec/noop" ]

# timeit -c prints wall-clock and CPU microseconds for each command.
set -- $("$BENCH_TMP/timeit" -c -n "$BENCH_COUNT" -r "$BENCH_ROUNDS" \
    "$prefix/libexec/noop" ::: \
    "$BENCH_TMP/floor" "$prefix/libexec/noop" ::: \
    "$prefix/bin/v3" ::: \
    "$prefix/bin/v1000")
bench_report "verexec, 3" "$1" "$3" "$5" "$2" "$4" "$6"
echo "  goal: <= 3"
bench_report "verexec, 1000" "$1" "$3" "$7" "$2" "$4" "$8"
echo "  goal: <= 10"
