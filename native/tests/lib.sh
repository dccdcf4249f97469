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
