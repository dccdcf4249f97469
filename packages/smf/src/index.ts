export {
  type SmfMethod,
  type SmfSettings,
  smfVarNames,
  smfMethodNames,
  smfSettingsFromVars,
  smfEffectiveVars,
  smfLibSkipDirs,
} from './settings.ts';
export { type Substituted, smfSubstitutions, substitute, assertNoLeftoverTokens, parseFilesSubst, filesSubstFromVars, GENERIC_SUBST_VARS } from './subst.ts';
export { type ServiceInfo, type ManifestCheck, type ManifestExpectations, checkManifest } from './manifest.ts';
export { type FragmentInput, installFragment, deinstallFragment } from './scripts.ts';
export { type InstallSmfOptions, type InstallSmfResult, installSmf, filterSmfPlist } from './install.ts';
