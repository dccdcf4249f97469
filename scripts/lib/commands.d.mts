// Types of commands.mjs for the TypeScript that uses it (its tests).
export interface BinEntry {
  name: string;
  shim: string;
  source: string;
}
export interface PackageCommands {
  dir: string;
  pkg: { name: string; bin?: Record<string, string> | string; binSources?: Record<string, string>; files?: string[]; man?: string | string[] };
  bins: BinEntry[];
}
export const REPO: string;
export function workspaceCommands(repo?: string): PackageCommands[];
export function entryFile(dir: string, bin: string): string;
export function staleReason(dir: string, bin: string): string | undefined;
export function buildPackage(entry: PackageCommands, opts?: { outDir?: string; minify?: boolean }): Promise<string[]>;
export function ensureBuilt(pkgDirUrl: URL, bin: string): Promise<void>;
