/**
 * +INSTALL/+DEINSTALL fragments. The package builder puts them after a
 * header that sets PKGNAME, STAGE, PKG_PREFIX and PKG_DESTDIR; every path
 * here is relative to PKG_PREFIX so that the package can be relocated.
 *
 * Like pkgsrc's install-smf, the fragment imports the manifest but never
 * enables the service: that stays the administrator's decision.
 */

export interface FragmentInput {
  /** Manifest path relative to PREFIX. */
  readonly manifestFile: string;
  /** The service the manifest defines, e.g. `pkgsrc/memcached`. */
  readonly service: string;
  readonly instances: readonly string[];
}

/** POSIX sh single-quoted word. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function installFragment(f: FragmentInput): string {
  const fmri = `svc:/${f.service}`;
  const enable = f.instances.map((i) => `\tprintf '%s\\n' ${shq(`    svcadm enable -r ${fmri}:${i}`)}`).join('\n');
  return `# SMF: import the manifest of ${oneLine(fmri)} (mkpkg smf)
case "$STAGE" in
POST-INSTALL)
	smf_manifest="\${PKG_PREFIX}/"${shq(f.manifestFile)}
	smf_svccfg=
	if [ -x /usr/sbin/svccfg ]; then
		smf_svccfg=/usr/sbin/svccfg
	elif command -v svccfg >/dev/null 2>&1; then
		smf_svccfg=svccfg
	fi
	smf_imported=no
	if [ -n "\${PKG_SKIP_SMF:-}" ]; then
		echo "SMF: PKG_SKIP_SMF is set, so the manifest was not imported."
	elif [ -n "\${PKG_DESTDIR:-}" ]; then
		printf '%s\\n' "SMF: installed under \${PKG_DESTDIR}, so the manifest was not imported into this system."
	elif [ -z "$smf_svccfg" ]; then
		echo "SMF: svccfg was not found, so the manifest was not imported."
	elif smf_out=$("$smf_svccfg" import "$smf_manifest" 2>&1); then
		smf_imported=yes
	else
		printf '%s\\n' "SMF: svccfg import $smf_manifest failed:"
		printf '%s\\n' "$smf_out" | sed 's/^/    /'
	fi
	if [ "$smf_imported" = no ]; then
		echo "To import the service manifest, run:"
		printf '%s\\n' "    svccfg import $smf_manifest"
	fi
	echo "The service is not enabled. To enable it, run:"
${enable}
	printf '%s\\n' ${shq(`and check on it with svcs -xv ${fmri}`)}
	;;
esac
`;
}

export function deinstallFragment(f: FragmentInput): string {
  const fmri = `svc:/${f.service}`;
  return `# SMF: tell how to remove ${oneLine(fmri)} (mkpkg smf)
case "$STAGE" in
DEINSTALL)
	smf_fmri=${shq(fmri)}
	smf_svcprop=
	if [ -x /usr/bin/svcprop ]; then
		smf_svcprop=/usr/bin/svcprop
	elif command -v svcprop >/dev/null 2>&1; then
		smf_svcprop=svcprop
	fi
	# An image under PKG_DESTDIR never touched this system's repository.
	# Without svcprop we cannot tell whether it was imported: advise anyway.
	if [ -n "\${PKG_DESTDIR:-}" ]; then
		:
	elif [ -z "$smf_svcprop" ] || "$smf_svcprop" -q "$smf_fmri" >/dev/null 2>&1; then
		printf '%s\\n' "SMF: the service $smf_fmri stays in the repository. To remove it, run:"
		printf '%s\\n' "    svcadm disable -s $smf_fmri"
		printf '%s\\n' "    svccfg delete $smf_fmri"
	fi
	;;
esac
`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
