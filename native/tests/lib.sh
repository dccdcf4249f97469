# Helpers for the native shell tests: sourced, not run.
# ok NAME CMD... / is NAME GOT WANT / finish
npass=0
nfail=0
VALGRIND=${VALGRIND:-}
ok() {
	name=$1; shift
	if "$@"; then npass=$((npass + 1)); else nfail=$((nfail + 1)); echo "FAIL: $name"; fi
}
is() {
	if [ "$2" = "$3" ]; then npass=$((npass + 1)); else
		nfail=$((nfail + 1)); printf 'FAIL: %s\n  got:  %s\n  want: %s\n' "$1" "$2" "$3"; fi
}
like() {
	case $2 in *$3*) npass=$((npass + 1)) ;; *)
		nfail=$((nfail + 1)); printf 'FAIL: %s\n  got:  %s\n  want to contain: %s\n' "$1" "$2" "$3" ;; esac
}
finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

# setup_targets NAME: a scratch directory $T (removed on exit) holding the
# test target built for both ABIs as $T/t64 and $T/t32; stops the script
# with a failing summary when gcc cannot build them or the machine is not
# x86_64.
setup_targets() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap 'rm -rf "$T"' EXIT
	chmod 755 "$T"	# the setuid tests run as nobody
	src=$here/../isaexec/testtarget.c
	if ! gcc -m64 -O -o "$T/t64" "$src" || ! gcc -m32 -O -o "$T/t32" "$src"; then
		echo "$1.sh: cannot build the -m32/-m64 test targets (gcc-multilib missing?)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	case $(uname -m) in x86_64|amd64) ;; *)
		echo "$1.sh: these tests expect an x86_64 machine, not $(uname -m)"
		echo "0 passed, 1 failed"
		exit 1 ;;
	esac
}
skip() { echo "SKIP: $1 ($2)"; }
