#!/bin/sh
# isaexec (see isaexec.1) against real gcc -m32/-m64 targets: which ISA runs, how
# it is reached, that argv/envp/pid/exit status pass through untouched, and
# every failure's status and message.  $BUILD holds the binary under test;
# $VALGRIND, when set, is put in front of every invocation of the hard link.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
unset ABI TT_ENV TT_EXIT TT_SIGNAL

setup_targets isaexec

# mkprefix DIR ISA...: DIR/lib/isaexec, DIR/bin/foo a hard link to it, and
# the test target installed as DIR/bin/<isa>/foo for each ISA given.
mkprefix() {
	d=$1; shift
	mkdir -p "$d/lib" "$d/bin"
	cp "$BUILD/isaexec" "$d/lib/isaexec"
	ln "$d/lib/isaexec" "$d/bin/foo"
	for i in "$@"; do
		mkdir -p "$d/bin/$i"
		case $i in amd64) cp "$T/t64" "$d/bin/$i/foo" ;; i86) cp "$T/t32" "$d/bin/$i/foo" ;; esac
	done
}

# run CMD...: out=stdout+stderr, st=exit status; $VALGRIND goes in front,
# except before env(1), whose callers put it after the assignments.
run() {
	case $1 in env) out=$("$@" 2>&1) ;; *) out=$($VALGRIND "$@" 2>&1) ;; esac
	st=$?
}

# --- which ISA runs -------------------------------------------------------
P=$T/both; mkprefix "$P" amd64 i86
run "$P/bin/foo"
is "default picks amd64 on x86_64" "$(field bits):$st" "64:0"
for v in 32 i86; do
	run env ABI=$v $VALGRIND "$P/bin/foo"
	is32 "ABI=$v picks i86" "$(field bits):$st" "32:0"
done
for v in 64 amd64; do
	run env ABI=$v $VALGRIND "$P/bin/foo"
	is "ABI=$v picks amd64" "$(field bits):$st" "64:0"
done
run env ABI= $VALGRIND "$P/bin/foo"
is "empty ABI counts as unset" "$(field bits):$st" "64:0"

I=$T/i86only; mkprefix "$I" i86
run "$I/bin/foo"
is32 "only i86 installed: used when ABI is unset" "$(field bits):$st" "32:0"
run env ABI=64 $VALGRIND "$I/bin/foo"
is "ABI=64 with only i86 installed: exit 127" "$st" 127
is "ABI=64 not found: names the command, the one directory tried, the ABI" "$out" \
    "isaexec: foo: not found in $I/bin/amd64 (ABI=64; unset ABI to run any installed ISA)"

N=$T/none; mkprefix "$N"
run "$N/bin/foo"
is "nothing installed: exit 127" "$st" 127
is "nothing installed: message lists every directory tried" "$out" \
    "isaexec: foo: not found in $N/bin/amd64, $N/bin/i86"

run env ABI=sparcv9 $VALGRIND "$P/bin/foo"
is "unknown ABI: exit 127" "$st" 127
is "unknown ABI: message lists accepted values" "$out" \
    'isaexec: foo: unknown ABI value "sparcv9" (accepted: 32, i86, 64, amd64, or unset)'
run env ABI=6 $VALGRIND "$P/bin/foo"
is "ABI prefix of a valid value is rejected" "$st" 127

# --- how it is reached ----------------------------------------------------
run env PATH="$P/bin:$PATH" $VALGRIND foo
is "through PATH: dispatches, argv[0] as typed" "$(field bits):$(field 'argv\[0\]'):$st" "64:foo:0"
out=$(cd "$P" && $VALGRIND ./bin/foo 2>&1); st=$?
is "through a relative path" "$(field bits):$(field 'argv\[0\]'):$st" "64:./bin/foo:0"
out=$(cd "$P/bin" && ABI=32 $VALGRIND ./foo 2>&1); st=$?
is32 "through ./foo with ABI=32" "$(field bits):$(field 'argv\[0\]'):$st" "32:./foo:0"
ln -s "$P/bin/foo" "$T/mine"
run "$T/mine"
is "through a user's symlink to the hard link" "$(field bits):$(field 'argv\[0\]'):$st" "64:$T/mine:0"
mkdir "$T/links" && ln -s ../both/bin/foo "$T/links/rel"
out=$(cd "$T/links" && $VALGRIND ./rel 2>&1); st=$?
is "through a relative symlink" "$(field bits):$(field 'argv\[0\]'):$st" "64:./rel:0"

# As a script's "#!" interpreter: the kernel runs bin/foo with the script's
# path as an argument, and AT_EXECFN names the script.
printf '#!%s/bin/foo\n' "$P" >"$T/script"
chmod 755 "$T/script"
if [ -n "$VALGRIND" ]; then
	skip "as a #! interpreter" "valgrind's /proc/self/exe names the script, not its interpreter"
else
	run "$T/script" s1
	is "as a #! interpreter" "$(field bits):$(field 'argv\[0\]'):$(field 'argv\[1\]'):$(field 'argv\[2\]'):$st" \
	    "64:$P/bin/foo:$T/script:s1:0"
fi

# A directory path of 4000 bytes: nothing may be cut short.
long=$T
while [ ${#long} -lt 3800 ]; do long=$long/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
long=$long/$(printf '%*s' $((4000 - ${#long} - 1)) '' | tr ' ' e)
mkprefix "$long" amd64 i86
is "long directory is 4000 bytes" "${#long}" 4000
run "$long/bin/foo"
is "4000-byte directory path" "$(field bits):$st" "64:0"
run env ABI=32 $VALGRIND "$long/bin/foo"
is32 "4000-byte directory path, ABI=32" "$(field bits):$st" "32:0"
rm "$long/bin/i86/foo" "$long/bin/amd64/foo"
run "$long/bin/foo"
is "4000-byte directory path, nothing installed: full paths in message" "$out" \
    "isaexec: foo: not found in $long/bin/amd64, $long/bin/i86"

# A link path that fits PATH_MAX (4096 with the NUL) while the amd64
# candidate does not: that candidate fails ENAMETOOLONG, i86 still fits.
edge=$T
while [ ${#edge} -lt 3900 ]; do edge=$edge/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
edge=$edge/$(printf '%*s' $((4082 - ${#edge} - 1)) '' | tr ' ' f)
mkprefix "$edge" i86
is "edge directory is 4082 bytes" "${#edge}" 4082
run "$edge/bin/foo"
is32 "amd64 candidate over PATH_MAX: skipped, i86 runs" "$(field bits):$st" "32:0"
run env ABI=64 $VALGRIND "$edge/bin/foo"
# (musl says "Filename too long", glibc "File name too long")
is "ABI=64, candidate over PATH_MAX: 126 with the reason" "$st:$(printf '%s' "$out" | sed "s|$edge|EDGE|")" \
    "126:isaexec: foo: cannot execute EDGE/bin/amd64/foo: $(printf '%s' "$out" | sed -n 's/.*: \([^:]*too long\)$/\1/p')"
like "ABI=64, candidate over PATH_MAX: strerror(ENAMETOOLONG)" "$out" "ame too long"

# The hard link's own path beyond what the kernel will print (/proc/self/exe
# fails): reached relatively, found through AT_EXECFN and getcwd, and every
# candidate too long to execute.  A clean 126, nothing overrun.
deep=$T
while [ ${#deep} -lt 3900 ]; do deep=$deep/dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd; done
deep=$deep/$(printf '%*s' $((4090 - ${#deep} - 1)) '' | tr ' ' g)
mkdir -p "$deep"
out=$(cd "$deep" && mkdir -p lib bin/i86 && cp "$BUILD/isaexec" lib/isaexec && ln lib/isaexec bin/foo &&
    cp "$T/t32" bin/i86/foo && $VALGRIND ./bin/foo 2>&1); st=$?
is "link path over PATH_MAX: 126" "$st" 126
like "link path over PATH_MAX: says why" "$out" "ame too long"

# --- what passes through --------------------------------------------------
check_args "$P/bin/foo" "arguments arrive unchanged"
if [ -z "$VALGRIND" ] && command -v bash >/dev/null; then
	out=$(bash -c 'exec -a "any name" "$0"' "$P/bin/foo" 2>&1); st=$?
	is "argv[0] unchanged even when it names nothing" "$(field bits):$(field 'argv\[0\]'):$st" "64:any name:0"
else
	skip "argv[0] unchanged even when it names nothing" "valgrind takes argv[0] from its own command line"
fi
check_env "$P/bin/amd64/foo" "$P/bin/foo"
out=$(ABI=32 TT_ENV=1 $VALGRIND "$P/bin/foo" 2>&1)
like32 "ABI stays in the environment for nested commands" "$out" "env=ABI=32"

out=$(sh -c 'echo "shell=$$"; exec "$@"' sh $VALGRIND "$P/bin/foo" 2>&1)
is "an exec, not a child: same pid" "$(field pid)" "$(field shell)"
run env TT_EXIT=42 $VALGRIND "$P/bin/foo"
is "exit status of the target" "$st" 42
run env TT_EXIT=3 ABI=32 $VALGRIND "$P/bin/foo"
is32 "exit status of the 32-bit target" "$st" 3
# status CMD...: the status a shell sees (128+N for signal N); the inner
# shell's own "Terminated" notice is kept out of the log.
status() { sh -c '"$@" >/dev/null 2>&1; echo $?' sh "$@" 2>/dev/null; }
is "death by SIGTERM propagates" "$(status env TT_SIGNAL=15 $VALGRIND "$P/bin/foo")" 143
is "death by SIGABRT propagates" "$(status env TT_SIGNAL=6 $VALGRIND "$P/bin/foo")" 134

# --- found but cannot be executed -----------------------------------------
X=$T/noexec; mkprefix "$X" amd64
chmod 644 "$X/bin/amd64/foo"
run "$X/bin/foo"
is "target not executable: exit 126" "$st" 126
is "target not executable: message names file and reason" "$out" \
    "isaexec: foo: cannot execute $X/bin/amd64/foo: Permission denied"
mkprefix "$X.2" amd64 i86
chmod 644 "$X.2/bin/amd64/foo"
run "$X.2/bin/foo"
is32 "ABI unset: unexecutable amd64 skipped for i86" "$(field bits):$st" "32:0"
run env ABI=64 $VALGRIND "$X.2/bin/foo"
is "ABI=64: unexecutable amd64 is an error, no fallback" "$st" 126
mkprefix "$X.3" amd64 i86
printf 'not a program\n' >"$X.3/bin/amd64/foo"
run env ABI=amd64 $VALGRIND "$X.3/bin/foo"
is "ABI=amd64, not a program: 126 with strerror" "$st:$out" \
    "126:isaexec: foo: cannot execute $X.3/bin/amd64/foo: Exec format error"
run "$X.3/bin/foo"
is32 "ABI unset, not a program: next ISA runs" "$(field bits):$st" "32:0"
chmod 644 "$X.3/bin/i86/foo"
run "$X.3/bin/foo"
is "every candidate fails: the first failure is reported" "$st:$out" \
    "126:isaexec: foo: cannot execute $X.3/bin/amd64/foo: Exec format error"
mkprefix "$X.4" i86
mkdir -p "$X.4/bin/amd64/foo"
run "$X.4/bin/foo"
is32 "a directory in the way is skipped" "$(field bits):$st" "32:0"

ln -s ../lib/isaexec "$P/bin/symlinked"
run "$P/bin/symlinked"
is "installed as a symlink instead of a hard link: usage error" "$st" 2
run "$P/lib/isaexec"
is "run by its own name: usage error" "$st" 2
like "run by its own name: says how it is meant to be used" "$out" "hard link"

# --- candidates that lead back to isaexec ---------------------------------
# Each would exec the dispatcher again, forever: timeout(1) turns a
# regression into a failure (status 124) instead of a hang.
loop() { out=$(timeout 20 "$@" 2>&1); st=$?; }
loopmsg() { echo "isaexec: foo: $1/bin/$2/foo leads back to isaexec itself ($1/bin/foo), which would loop; install the $2 program there"; }
L=$T/loop1; mkprefix "$L"; mkdir "$L/bin/amd64"; ln -s ../foo "$L/bin/amd64/foo"
loop $VALGRIND "$L/bin/foo"
is "bin/amd64/foo -> ../foo: 126, names the candidate" "$st:$out" "126:$(loopmsg "$L" amd64)"
L=$T/loop2; mkprefix "$L"; ln -s . "$L/bin/amd64"
loop $VALGRIND "$L/bin/foo"
is "bin/amd64 -> .: 126, names the candidate" "$st:$out" "126:$(loopmsg "$L" amd64)"
L=$T/loop3; mkprefix "$L"; mkdir "$L/bin/amd64"; ln "$L/lib/isaexec" "$L/bin/amd64/foo"
loop $VALGRIND "$L/bin/foo"
is "bin/amd64/foo a hard link to isaexec: 126, names the candidate" "$st:$out" "126:$(loopmsg "$L" amd64)"
L=$T/loop4; mkprefix "$L" amd64; ln -s . "$L/bin/i86"
loop env ABI=32 $VALGRIND "$L/bin/foo"
is "ABI=32, bin/i86 -> .: 126" "$st:$out" "126:$(loopmsg "$L" i86)"
L=$T/loop5; mkprefix "$L" i86; mkdir "$L/bin/amd64"; ln -s ../../lib/isaexec "$L/bin/amd64/foo"
loop $VALGRIND "$L/bin/foo"
is "a loop is reported, not skipped for the next ISA" "$st:$out" "126:$(loopmsg "$L" amd64)"

# --- secure-execution mode ------------------------------------------------
S=$T/suid; mkprefix "$S" amd64 i86
chmod 4755 "$S/lib/isaexec"
if [ -n "$VALGRIND" ]; then
	skip "setuid: ABI ignored" "valgrind cannot run setuid programs"
elif [ "$(id -u)" -ne 0 ] || ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	skip "setuid: ABI ignored" "needs root and setpriv"
else
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env ABI=32 "$S/bin/foo" 2>&1); st=$?
	is "setuid: ABI ignored, native order used" "$(field bits):$st" "64:0"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups env ABI=sparcv9 "$S/bin/foo" 2>&1); st=$?
	is "setuid: unknown ABI ignored too" "$(field bits):$st" "64:0"
fi

# --- replaced while starting: /proc/self/exe reads "... (deleted)" ----------
# An upgrade renames a new bin/foo over the one being executed.  strace holds
# the first readlink(2) for 0.6 s so the rename lands before isaexec looks.
if [ -n "$VALGRIND" ]; then
	skip "replaced during start-up: AT_EXECFN fallback" "no strace under valgrind"
elif ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	skip "replaced during start-up: AT_EXECFN fallback" "needs strace with ptrace allowed"
else
	U=$T/upgrade; mkprefix "$U" amd64 i86
	(cd "$U" && ABI=32 strace -s 4096 -o "$T/strace.log" -e trace=readlink,execve \
	    -e inject=readlink:delay_enter=600000:when=1 ./bin/foo up >"$T/upgrade.out" 2>&1
	 echo $? >"$T/upgrade.st") &
	sleep 0.3
	cp "$U/lib/isaexec" "$U/bin/foo.new" && mv "$U/bin/foo.new" "$U/bin/foo"
	wait
	out=$(cat "$T/upgrade.out"); st=$(cat "$T/upgrade.st")
	like "replaced during start-up: the kernel says deleted" "$(cat "$T/strace.log")" "/bin/foo (deleted)"
	is32 "replaced during start-up: AT_EXECFN fallback dispatches" "$(field bits):$(field 'argv\[1\]'):$st" "32:up:0"
fi

# --- no /proc: the AT_EXECFN fallback ---------------------------------------
if [ -n "$VALGRIND" ]; then
	skip "no /proc: the AT_EXECFN fallback" "valgrind itself cannot start without /proc"
elif [ "$(id -u)" -eq 0 ] && unshare -m sh -c 'mount -t tmpfs none /proc' 2>/dev/null; then
	noproc() { unshare -m sh -c 'mount -t tmpfs none /proc && cd "$1" && shift && exec "$@"' sh "$@"; }
	out=$(noproc "$P" ./bin/foo 2>&1); st=$?
	is "no /proc, relative path: AT_EXECFN" "$(field bits):$(field 'argv\[0\]'):$st" "64:./bin/foo:0"
	out=$(noproc "$T/links" env ABI=32 ./rel 2>&1); st=$?
	is32 "no /proc, relative symlink: resolved" "$(field bits):$st" "32:0"
	out=$(noproc "$T" env PATH="$P/bin:$PATH" foo 2>&1); st=$?
	is "no /proc, through PATH" "$(field bits):$st" "64:0"
	# The sanitizer runtime reads ASAN_OPTIONS from /proc/self/environ:
	# without /proc its leak check runs at exit, fails, and exits 1 after
	# isaexec has said its piece.  Exit statuses are checked without it.
	noproc_status() {
		if [ -n "${ASAN_OPTIONS:-}" ]; then
			skip "$1" "sanitizer runtime needs /proc at exit"
		else
			is "$1" "$2" "$3"
		fi
	}
	out=$(noproc "$T" ./script 2>&1); st=$?
	noproc_status "no /proc, as a #! interpreter: refuses to guess, exit 127" "$st" 127
	like "no /proc, as a #! interpreter: says why" "$out" "names the script this program interprets"
	if command -v setpriv >/dev/null; then
		out=$(noproc "$S" setpriv --reuid=65534 --regid=65534 --clear-groups ./bin/foo 2>&1); st=$?
		noproc_status "no /proc, setuid: AT_EXECFN refused, exit 127" "$st" 127
		like "no /proc, setuid: says why" "$out" "not trusted in secure-execution mode"
	fi
else
	skip "no /proc: the AT_EXECFN fallback" "needs root and unshare -m"
fi

finish
