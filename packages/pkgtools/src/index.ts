export { addCommand } from './add.ts';
export { deleteCommand } from './delete.ts';
export { infoCommand } from './info.ts';
export { findPackage, pkgPathDirs } from './pkgpath.ts';
export { pkgdbFor } from './pkgdb.ts';
