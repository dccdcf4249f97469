# Helpers for the native shell tests: sourced, not run.
# ok NAME CMD... / is NAME GOT WANT / skip NAME WHY / finish
# A test that needs a 32-bit program to run uses is32/like32: where this
# machine cannot run one (setup_targets decides, once), it is counted as
# skipped with the reason, never as passed.
npass=0
nfail=0
nskip=0
run32=yes
no32_reason=
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
	echo "$npass passed, $nfail failed, $nskip skipped"
	[ "$nfail" -eq 0 ]
}
is32() {
	if [ "$run32" = yes ]; then is "$@"; else skip "$1" "$no32_reason"; fi
}
like32() {
	if [ "$run32" = yes ]; then like "$@"; else skip "$1" "$no32_reason"; fi
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
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	# Can this machine run the 32-bit target (natively or through an
	# emulator registered with binfmt_misc)?  Only its output says so: a
	# refused program may be handed to /bin/sh instead.  NATIVE_TEST_NO32=1
	# stands in for a kernel that refuses it: t32 becomes a file execve(2)
	# rejects with ENOEXEC, as such a kernel rejects the real one.
	if [ -n "${NATIVE_TEST_NO32:-}" ]; then
		printf 'not a program\n' >"$T/t32"
		chmod 755 "$T/t32"
	fi
	if [ "$( ("$T/t32") 2>/dev/null | sed -n 's/^bits=//p')" != 32 ]; then
		run32=no
		no32_reason="this machine cannot run 32-bit programs; scripts/setup as root registers an emulator"
		echo "$1.sh: 32-bit programs do not run here: the tests that need one are skipped"
	fi
	case $(uname -m) in x86_64|amd64) ;; *)
		echo "$1.sh: these tests expect an x86_64 machine, not $(uname -m)"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1 ;;
	esac
}
skip() { nskip=$((nskip + 1)); echo "SKIP: $1 ($2)"; }

nl='
'
# field NAME: the value of the first NAME=... line of $out.
field() {
	printf '%s\n' "$out" | sed -n "s/^$1=//p" | sed -n 1p
}

# check_args CMD LABEL: CMD, started through the script's run(), hands its
# target arguments with spaces, empty strings, newlines and backslashes
# unchanged, and argv[0] as typed.
check_args() {
	run "$1" "a b" "" "x${nl}y" ' lead' 'back\slash'
	is "$2" "$(printf '%s\n' "$out" | grep '^arg')" \
	    "argc=6
argv[0]=$1
argv[1]=a b
argv[2]=
argv[3]=x\\ny
argv[4]= lead
argv[5]=back\\\\slash"
}

# check_env TARGET CMD [VAR=value ...]: CMD passes its environment on
# untouched: what TARGET sees when CMD runs it equals what it sees run
# directly, with the same extra variables.
check_env() {
	_target=$1 _cmd=$2
	shift 2
	direct=$(env -i TT_ENV=1 HOME=/x "$@" 'ODD=a b' "EMPTY=" "NL=1${nl}2" "$_target" | grep '^env=')
	through=$(env -i TT_ENV=1 HOME=/x "$@" 'ODD=a b' "EMPTY=" "NL=1${nl}2" $VALGRIND "$_cmd" 2>&1 | grep '^env=')
	if [ -n "$VALGRIND" ]; then
		# valgrind's launcher and core add variables to the process they
		# run (blanking LD_PRELOAD at the exec) and reorder the rest:
		# compare as sets, valgrind's own set aside.  The plain run checks
		# the order too.
		through=$(printf '%s\n' "$through" |
		    grep -Ev '^env=(LD_PRELOAD|LD_LIBRARY_PATH|GLIBCPP_FORCE_NEW|GLIBCXX_FORCE_NEW|PWD)=' | sort)
		is "environment arrives unchanged (valgrind's own variables set aside)" \
		    "$through" "$(printf '%s\n' "$direct" | sort)"
	else
		is "environment arrives unchanged" "$through" "$direct"
	fi
}
