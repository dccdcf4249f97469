#!/usr/bin/env node
// The sources are TypeScript run directly (no build step); tsx's loader is
// registered here so the command works from any directory and through PATH.
import { register } from 'tsx/esm/api';

register();
await import('../src/pkg_delete.ts');
