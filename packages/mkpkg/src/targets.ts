/** What `mkpkg TARGET` accepts besides show-var; the bmake glue maps the same names onto mkpkg. */
export const TARGETS = [
  'fetch', 'checksum', 'depends', 'extract', 'patch', 'configure', 'build', 'test', 'install', 'package',
  'clean', 'makesum', 'makepatchsum', 'print-plist', 'install-package', 'stage-package-create',
] as const;
export type Target = (typeof TARGETS)[number];
