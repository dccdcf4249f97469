#!/bin/sh
# verexec (see verexec.1) with real executables: which version runs, the ISA
# suffixes, the overrides, every failure's status and message, -l and -w,
# and that argv/envp/pid/exit status pass through.  Also the C version
# comparator against the shared vectors and as a total preorder.  $BUILD
# holds the binaries under test; $VALGRIND, when set, is put in front of
# every invocation of verexec.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
unset ABI VEREXEC_ALTDIR VEREXEC_perl TT_ENV TT_EXIT TT_SIGNAL

setup_targets verexec

# --- the comparator -------------------------------------------------------
# Each vector counts as one test.
vec=$($VALGRIND "$BUILD/dewey-test" vectors "$here/../../fixtures/versions/dewey.txt" 2>&1)
printf '%s\n' "$vec" | grep -v '^[0-9]* passed, [0-9]* failed$'
set -- $(printf '%s\n' "$vec" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
if [ $# -eq 2 ] && [ "$1" -gt 50 ]; then
	npass=$((npass + $1)); nfail=$((nfail + $2))
else
	nfail=$((nfail + 1)); echo "FAIL: dewey vectors: no summary"
fi
# Every pair of N random strings, sorted: a total preorder or not.
n=1500; [ -n "$VALGRIND" ] && n=100	# memory errors, not the property, are what valgrind adds
seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
for s in 1 "$seed"; do
	out=$($VALGRIND "$BUILD/dewey-test" property "$n" "$s" 2>&1); st=$?
	is "total preorder on $n random strings (seed $s)" "$st:$(printf '%s\n' "$out" | tail -n 1 | sed 's/.*: //')" "0:0 wrong"
done

# --- set-up helpers -------------------------------------------------------
# mkcmd DIR [NAME]: DIR/lib/verexec with DIR/bin/NAME (perl) a hard link.
mkcmd() {
	mkdir -p "$1/lib" "$1/bin"
	[ -f "$1/lib/verexec" ] || cp "$BUILD/verexec" "$1/lib/verexec"
	ln "$1/lib/verexec" "$1/bin/${2:-perl}"
}
# prog NAME: an executable $T/progs/NAME that prints "ran=NAME", its
# arguments, and exits with $TT_EXIT.
mkdir "$T/progs"
prog() {
	printf '#!/bin/sh\necho "ran=%s"\nfor a; do echo "arg=$a"; done\nexit ${TT_EXIT:-0}\n' "$1" \
	    >"$T/progs/$1"
	chmod 755 "$T/progs/$1"
}
# vers DIR VERSION...: a link DIR/VERSION -> a program printing ran=VERSION.
vers() {
	d=$1; shift
	mkdir -p "$d"
	for v in "$@"; do prog "$v"; ln -s "$T/progs/$v" "$d/$v"; done
}
# run CMD...: out=stdout+stderr, st=exit status.
run() {
	out=$($VALGRIND "$@" 2>&1)
	st=$?
}

P=$T/pfx; mkcmd "$P"
export VEREXEC_ALTDIR="$T/d"

# --- the highest version wins ---------------------------------------------
vers "$T/d/perl" 5.10.0 5.36.0 5.8.4 5.36.0nb1
run "$P/bin/perl"
is "highest of 5.8.4 5.10.0 5.36.0nb1 5.36.0" "$(field ran):$st" "5.36.0nb1:0"
rm "$T/d/perl/5.36.0nb1"
run "$P/bin/perl"
is "removing the highest link changes the choice" "$(field ran):$st" "5.36.0:0"
rm "$T/d/perl/5.36.0"
run "$P/bin/perl"
is "... and again: 5.10.0 beats 5.8.4 (numbers, not strings)" "$(field ran):$st" "5.10.0:0"
vers "$T/d/perl" 5.36.0
run "$P/bin/perl"
is "adding a version changes the choice" "$(field ran):$st" "5.36.0:0"

vers "$T/d2/perl" 5.38.0 5.40.0alpha1 5.40.0beta2 5.40.0rc1 5.40.0RC2 5.40.0pre1
run env VEREXEC_ALTDIR="$T/d2" $VALGRIND "$P/bin/perl"
is "rc beats beta beats alpha, RC2 beats rc1, all beat 5.38.0" "$(field ran):$st" "5.40.0RC2:0"
run env VEREXEC_ALTDIR="$T/d2" $VALGRIND "$P/lib/verexec" -l perl
is "-l: highest first, the one that runs marked" "$st:$out" "0:* 5.40.0RC2 -> $T/progs/5.40.0RC2
  5.40.0rc1 -> $T/progs/5.40.0rc1
  5.40.0pre1 -> $T/progs/5.40.0pre1
  5.40.0beta2 -> $T/progs/5.40.0beta2
  5.40.0alpha1 -> $T/progs/5.40.0alpha1
  5.38.0 -> $T/progs/5.38.0"
vers "$T/d2/perl" 5.40.0
run env VEREXEC_ALTDIR="$T/d2" $VALGRIND "$P/bin/perl"
is "the release beats its release candidates" "$(field ran):$st" "5.40.0:0"

vers "$T/d3/perl" 5.36.0-rc1 5.36.0-1 5.35.99999999999999999999
run env VEREXEC_ALTDIR="$T/d3" $VALGRIND "$P/bin/perl"
is "an unknown -suffix is part of the version (5.36.0-1 > 5.36.0-rc1)" "$(field ran):$st" "5.36.0-1:0"
vers "$T/d3/perl" .9.0
run env VEREXEC_ALTDIR="$T/d3" $VALGRIND "$P/bin/perl"
is "dot files are not versions" "$(field ran):$st" "5.36.0-1:0"

# Ties never depend on directory order: build the same set in two orders.
vers "$T/t1/perl" 5.36 5.36.0 5.36.00
vers "$T/t2/perl" 5.36.00 5.36.0 5.36
for d in t1 t2; do
	run env VEREXEC_ALTDIR="$T/$d" $VALGRIND "$P/bin/perl"
	is "tie: more components, then greater name ($d)" "$(field ran):$st" "5.36.00:0"
done
rm "$T/t1/perl/5.36.00"
run env VEREXEC_ALTDIR="$T/t1" $VALGRIND "$P/bin/perl"
is "tie: 5.36.0 over 5.36" "$(field ran):$st" "5.36.0:0"

# --- ISA suffixes ---------------------------------------------------------
S=$T/sfx/perl
vers "$S" 5.8.4 5.8.4-64 5.8.4-32 5.10.0-32 5.10.0-sparcv9
run env VEREXEC_ALTDIR="$T/sfx" $VALGRIND "$P/bin/perl"
is "ABI unset: native 64-bit; -64 beats unsuffixed; -sparcv9 is a version" "$(field ran):$st" "5.10.0-sparcv9:0"
rm "$S/5.10.0-sparcv9"
run env VEREXEC_ALTDIR="$T/sfx" $VALGRIND "$P/bin/perl"
is "ABI unset: the ISA-specific entry wins the tie" "$(field ran):$st" "5.8.4-64:0"
for a in 32 i86; do
	run env VEREXEC_ALTDIR="$T/sfx" ABI=$a $VALGRIND "$P/bin/perl"
	is "ABI=$a: only unsuffixed and 32-bit entries" "$(field ran):$st" "5.10.0-32:0"
done
for a in 64 amd64; do
	run env VEREXEC_ALTDIR="$T/sfx" ABI=$a $VALGRIND "$P/bin/perl"
	is "ABI=$a: the -64 entry" "$(field ran):$st" "5.8.4-64:0"
done
run env VEREXEC_ALTDIR="$T/sfx" ABI= $VALGRIND "$P/bin/perl"
is "empty ABI counts as unset" "$(field ran):$st" "5.8.4-64:0"
vers "$S" 5.8.4-amd64
run env VEREXEC_ALTDIR="$T/sfx" $VALGRIND "$P/bin/perl"
is "-64 and -amd64 tie: the greater name (5.8.4-amd64)" "$(field ran):$st" "5.8.4-amd64:0"
run env VEREXEC_ALTDIR="$T/sfx" ABI=sparcv9 $VALGRIND "$P/bin/perl"
is "unknown ABI: exit 127 with the accepted values" "$st:$out" \
    '127:verexec: perl: unknown ABI value "sparcv9" (accepted: 32, i86, 64, amd64, or unset)'
rm "$S/5.8.4" "$S/5.8.4-64" "$S/5.8.4-amd64"
run env VEREXEC_ALTDIR="$T/sfx" ABI=64 $VALGRIND "$P/bin/perl"
is "ABI=64 with only 32-bit links: 127, says why" "$st:$out" "127:verexec: perl: no version to run in $S for ABI amd64 (its links are all for another ABI)
verexec: perl: install a package that provides a version of perl, or set VEREXEC_perl to the program to run"
# Real ELF classes behind the suffixes.
mkdir -p "$T/elf/perl"
ln -s "$T/t64" "$T/elf/perl/1.0-amd64"
ln -s "$T/t32" "$T/elf/perl/1.0-i86"
run env VEREXEC_ALTDIR="$T/elf" $VALGRIND "$P/bin/perl"
is "real binaries: ABI unset runs the 64-bit one" "$(field bits):$st" "64:0"
run env VEREXEC_ALTDIR="$T/elf" ABI=32 $VALGRIND "$P/bin/perl"
is32 "real binaries: ABI=32 runs the 32-bit one" "$(field bits):$st" "32:0"

# --- overrides ------------------------------------------------------------
prog mine
run env VEREXEC_perl="$T/progs/mine" $VALGRIND "$P/bin/perl" x
is "VEREXEC_perl runs that program instead" "$(field ran):$(field arg):$st" "mine:x:0"
run env VEREXEC_perl= $VALGRIND "$P/bin/perl"
is "empty VEREXEC_perl counts as unset" "$(field ran):$st" "5.36.0:0"
run env VEREXEC_perl="$T/progs/mine" $VALGRIND "$P/lib/verexec" -w perl
is "-w with VEREXEC_perl: its path" "$st:$out" "0:$T/progs/mine"
run env VEREXEC_perl="$T/progs/mine" $VALGRIND "$P/lib/verexec" -l perl
is "-l with VEREXEC_perl: the variable marked, the versions unmarked" "$st:$out" "0:* VEREXEC_perl -> $T/progs/mine
  5.36.0 -> $T/progs/5.36.0
  5.10.0 -> $T/progs/5.10.0
  5.8.4 -> $T/progs/5.8.4"
run env VEREXEC_perl="$T/nothing" $VALGRIND "$P/bin/perl"
is "VEREXEC_perl names nothing: 127 naming the variable" "$st:$out" \
    "127:verexec: perl: VEREXEC_perl=$T/nothing: No such file or directory"
mkcmd "$P" 'py-3.11+x'
vers "$T/d/py-3.11+x" 3.11.2
run "$P/bin/py-3.11+x"
is "a command name with - . + runs" "$(field ran):$st" "3.11.2:0"
run env VEREXEC_py_3_11_x="$T/progs/mine" $VALGRIND "$P/bin/py-3.11+x"
is "... and is overridden by VEREXEC_py_3_11_x" "$(field ran):$st" "mine:0"

vers "$T/alt/perl" 7.0
run env VEREXEC_ALTDIR="$T/alt" $VALGRIND "$P/bin/perl"
is "VEREXEC_ALTDIR chooses the directory" "$(field ran):$st" "7.0:0"
run env -u VEREXEC_ALTDIR $VALGRIND "$P/bin/perl"
is "VEREXEC_ALTDIR unset: the compiled-in directory, 127 if absent" "$st" 127
like "... the message names the compiled-in directory" "$out" "/verexec.d/perl"
case $out in *"$T"*) is "... and not the test's directory" "$out" "no $T" ;;
	*) ok "... and not the test's directory" true ;; esac
run env VEREXEC_ALTDIR= $VALGRIND "$P/bin/perl"
is "empty VEREXEC_ALTDIR counts as unset" "$st" 127

# --- links that lead nowhere ----------------------------------------------
vers "$T/dg/perl" 5.8.4 5.10.0
ln -s "$T/progs/gone" "$T/dg/perl/9.0"
ln -s ../../nowhere "$T/dg/perl/8.0-64"
run env VEREXEC_ALTDIR="$T/dg" $VALGRIND "$P/bin/perl"
is "dangling links skipped, the next highest runs" "$(field ran):$st" "5.10.0:0"
like "... with a warning naming the absolute one" "$out" \
    "verexec: perl: skipping $T/dg/perl/9.0 -> $T/progs/gone: dangling link"
like "... and the relative one" "$out" \
    "verexec: perl: skipping $T/dg/perl/8.0-64 -> ../../nowhere: dangling link"
prog rel
ln -s ../../progs/rel "$T/dg/perl/6.0"
run env VEREXEC_ALTDIR="$T/dg" $VALGRIND "$P/bin/perl"
is "a relative link is resolved against the directory, not the cwd" "$(field ran):$st" "rel:0"
run env VEREXEC_ALTDIR="$T/dg" $VALGRIND "$P/lib/verexec" -w perl
is "-w: the resolved path" "$st:$(printf '%s\n' "$out" | tail -n 1)" "0:$T/dg/perl/../../progs/rel"
echo 'not a link' >"$T/dg/perl/7.0"
run env VEREXEC_ALTDIR="$T/dg" $VALGRIND "$P/bin/perl"
is "a plain file is not a version" "$(field ran):$st" "rel:0"
like "... and is named in a warning" "$out" "verexec: perl: skipping $T/dg/perl/7.0: not a symbolic link"
mkdir -p "$T/alldg/perl"
ln -s "$T/none1" "$T/alldg/perl/1.0"
ln -s "$T/none2" "$T/alldg/perl/2.0"
run env VEREXEC_ALTDIR="$T/alldg" $VALGRIND "$P/bin/perl"
is "only dangling links: 127" "$st" 127
like "... says no link leads to a program" "$out" "verexec: perl: no version to run: no link in $T/alldg/perl leads to a program"

# --- nothing to run -------------------------------------------------------
mkdir -p "$T/empty/perl"
run env VEREXEC_ALTDIR="$T/empty" $VALGRIND "$P/bin/perl"
is "empty directory: 127, names the command, the directory and both remedies" "$st:$out" \
    "127:verexec: perl: no version to run: $T/empty/perl is empty
verexec: perl: install a package that provides a version of perl, or set VEREXEC_perl to the program to run"
run env VEREXEC_ALTDIR="$T/missing" $VALGRIND "$P/bin/perl"
is "missing directory: 127 with the reason" "$st:$out" \
    "127:verexec: perl: no version to run: cannot read $T/missing/perl: No such file or directory
verexec: perl: install a package that provides a version of perl, or set VEREXEC_perl to the program to run"
out=$(env VEREXEC_ALTDIR="$T/missing" $VALGRIND "$P/lib/verexec" -w perl 2>/dev/null); st=$?
is "-w with nothing to run: 127, nothing on stdout" "$st:$out" "127:"

# --- loops ----------------------------------------------------------------
run env VEREXEC_perl="$P/bin/perl" $VALGRIND "$P/bin/perl"
is "VEREXEC_perl naming the hard link: refused, 126" "$st:$out" \
    "126:verexec: perl: VEREXEC_perl=$P/bin/perl is verexec itself, which would loop; set it to the real program"
ln -s "$P/bin/perl" "$T/symlink-to-perl"
run env VEREXEC_perl="$T/symlink-to-perl" $VALGRIND "$P/bin/perl"
is "VEREXEC_perl naming a symlink to it: refused" "$st" 126
mkdir -p "$T/loop/perl"
ln -s "$P/lib/verexec" "$T/loop/perl/9.9"
run env VEREXEC_ALTDIR="$T/loop" $VALGRIND "$P/bin/perl"
is "a version link to verexec: refused naming the link, 126" "$st:$out" \
    "126:verexec: perl: $T/loop/perl/9.9 -> $P/lib/verexec leads back to verexec itself, which would loop; it must point at the real program"
vers "$T/loop/perl" 1.0
run env VEREXEC_ALTDIR="$T/loop" $VALGRIND "$P/bin/perl"
is "... with no silent fallback to a lower version" "$st" 126

# --- many versions --------------------------------------------------------
M=$T/many/perl
mkdir -p "$M" "$T/mt"
seq 1 10000 | sed 's|^|'"$T/mt"'/1.|' | xargs touch
seq 1 10000 | sed 's|^|'"$T/mt"'/1.|' | xargs ln -s -t "$M"
prog 1.10000
ln -sf "$T/progs/1.10000" "$M/1.10000"
is "10,000 version entries" "$(ls "$M" | wc -l)" 10000
run env VEREXEC_ALTDIR="$T/many" $VALGRIND "$P/bin/perl"
is "10,000 entries: the highest runs" "$(field ran):$st" "1.10000:0"
run env VEREXEC_ALTDIR="$T/many" $VALGRIND "$P/lib/verexec" -l perl
is "10,000 entries: -l lists them all" "$(printf '%s\n' "$out" | wc -l)" 10000
is "10,000 entries: -l first and last" "$(printf '%s\n' "$out" | sed -n '1p;$p')" \
    "* 1.10000 -> $T/progs/1.10000
  1.1 -> $T/mt/1.1"
rm "$T/progs/1.10000"
run env VEREXEC_ALTDIR="$T/many" $VALGRIND "$P/lib/verexec" -w perl
is "10,000 entries, the highest dangling: falls back in order" "$(printf '%s\n' "$out" | tail -n 1):$st" "$T/mt/1.9999:0"

# --- what passes through --------------------------------------------------
mkdir -p "$T/pt/perl"
ln -s "$T/t64" "$T/pt/perl/5.36.0"
export VEREXEC_ALTDIR="$T/pt"
check_args "$P/bin/perl" "arguments arrive unchanged, argv[0] as typed"
run env PATH="$P/bin:$PATH" $VALGRIND perl
is "through PATH: argv[0] stays perl" "$(field 'argv\[0\]'):$st" "perl:0"
if [ -z "$VALGRIND" ] && command -v bash >/dev/null; then
	out=$(bash -c 'exec -a "any name" "$0"' "$P/bin/perl" 2>&1); st=$?
	is "argv[0] unchanged even when it names nothing" "$(field 'argv\[0\]'):$st" "any name:0"
else
	skip "argv[0] unchanged even when it names nothing" "valgrind takes argv[0] from its own command line"
fi
check_env "$T/t64" "$P/bin/perl" VEREXEC_ALTDIR="$T/pt"
out=$(sh -c 'echo "shell=$$"; exec "$@"' sh $VALGRIND "$P/bin/perl" 2>&1)
is "an exec, not a child: same pid" "$(field pid)" "$(field shell)"
run env TT_EXIT=42 $VALGRIND "$P/bin/perl"
is "exit status of the target" "$st" 42
status() { sh -c '"$@" >/dev/null 2>&1; echo $?' sh "$@" 2>/dev/null; }
is "death by SIGTERM propagates" "$(status env TT_SIGNAL=15 $VALGRIND "$P/bin/perl")" 143

# --- cannot execute -------------------------------------------------------
mkdir -p "$T/nx/perl"
printf 'data\n' >"$T/nx/data"
ln -s "$T/nx/data" "$T/nx/perl/1.0"
run env VEREXEC_ALTDIR="$T/nx" $VALGRIND "$P/bin/perl"
is "target not executable: 126 naming target, link and reason" "$st:$out" \
    "126:verexec: perl: cannot execute $T/nx/data (from $T/nx/perl/1.0): Permission denied"

# --- run by its own name --------------------------------------------------
run "$P/lib/verexec"
is "no arguments: usage, exit 2" "$st" 2
like "... says how it is meant to be used" "$out" "hard links"
run "$P/lib/verexec" -x perl
is "unknown option: exit 2" "$st" 2
run "$P/lib/verexec" -l a/b
is "-l with a path: exit 2" "$st:$out" "2:verexec: \"a/b\" is not a command name (no \"/\", not empty)"
run "$P/lib/verexec" -w ''
is "-w with an empty name: exit 2" "$st" 2
if [ -w /dev/full ]; then
	out=$($VALGRIND "$P/lib/verexec" -w perl 2>&1 >/dev/full); st=$?
	is "-w cannot write its answer: exit 1 with the reason" "$st:$out" \
	    "1:verexec: cannot write to standard output: No space left on device"
else
	skip "-w cannot write its answer" "no /dev/full"
fi

# --- secure-execution mode ------------------------------------------------
Z=$T/suid; mkcmd "$Z"
chmod 4755 "$Z/lib/verexec"
vers "$T/sd/perl" 1.0
if [ -n "$VALGRIND" ]; then
	skip "setuid: overrides ignored" "valgrind cannot run setuid programs"
elif [ "$(id -u)" -ne 0 ] || ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	skip "setuid: overrides ignored" "needs root and setpriv"
else
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	out=$(nobody env VEREXEC_perl="$T/progs/mine" VEREXEC_ALTDIR="$T/sd" ABI=sparcv9 "$Z/bin/perl" 2>&1); st=$?
	is "setuid: VEREXEC_perl, VEREXEC_ALTDIR and ABI ignored" "$st" 127
	like "... the compiled-in directory is used" "$out" "/verexec.d/perl"
	case $out in *"$T"*|*sparcv9*) is "... nothing from the environment in the message" "$out" "no $T" ;;
		*) ok "... nothing from the environment in the message" true ;; esac
	out=$(env VEREXEC_ALTDIR="$T/sd" "$Z/bin/perl" 2>&1); st=$?
	is "not setuid for root: VEREXEC_ALTDIR honoured" "$(field ran):$st" "1.0:0"
fi

finish
