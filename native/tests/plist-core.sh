#!/bin/sh
# plist-core, plist-expand's byte path (../plist-core), built natively inside
# an electric fence with UBSan: seeded random PLISTs through every kind of
# configuration, in every chunking and with every set of run flags. A read
# or write past a buffer's slack, or of a freed block, faults; the protocol's
# promises are checked on every stop (see plist-core/fence.c). Each round is
# one test.
set -u
out=$("$BUILD/plist-core-fence" 60 2>&1)
status=$?
printf '%s\n' "$out"
[ "$status" -eq 0 ] || { printf '%s\n' "plist-core-fence exited $status"; printf '0 passed, 1 failed, 0 skipped\n'; }
