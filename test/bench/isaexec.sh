#!/bin/sh
# Benchmark: what isaexec adds to a command's start-up.  A static no-op is
# installed as bin/amd64/foo (or bin/i86/foo on a 32-bit machine) with
# bin/foo a hard link to lib/isaexec, then timed (a) directly, (b) behind
# the bare-execve floor, (c) through bin/foo.  Goal: ratio <= 2.5.
#   sh test/bench/isaexec.sh        (BENCH_COUNT, BENCH_ROUNDS to tune)
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
bench_setup

make -s -C "$bench_root/native" BUILD="$BENCH_TMP/build" "$BENCH_TMP/build/isaexec"
case $(uname -m) in x86_64|amd64) isa=amd64 ;; *) isa=i86 ;; esac
prefix=$BENCH_TMP/prefix
mkdir -p "$prefix/lib" "$prefix/bin/$isa"
cp "$BENCH_TMP/build/isaexec" "$prefix/lib/isaexec"
ln "$prefix/lib/isaexec" "$prefix/bin/foo"
cp "$BENCH_TMP/noop" "$prefix/bin/$isa/foo"
unset ABI

set -- $("$BENCH_TMP/timeit" -c -n "$BENCH_COUNT" -r "$BENCH_ROUNDS" \
    "$prefix/bin/$isa/foo" ::: \
    "$BENCH_TMP/floor" "$prefix/bin/$isa/foo" ::: \
    "$prefix/bin/foo")
bench_report isaexec "$1" "$3" "$5" "$2" "$4" "$6"
