import { expandSources, defaultExpandOptions } from './src/index.ts';
import { platformFor } from '@mkpkg/platform';
import fs from 'node:fs';
const fd = fs.openSync('/dev/null', 'w');
const opts = defaultExpandOptions(platformFor('SunOS'), { enabled: true, bin: true, lib: true });
const t0 = performance.now(); const c0 = process.cpuUsage();
await expandSources([process.argv[2]!], opts, (b) => { fs.writeSync(fd, b.join('\n') + '\n'); }, () => {});
const c1 = process.cpuUsage(c0);
console.log('ms', (performance.now()-t0).toFixed(0), 'cpu', ((c1.user+c1.system)/1000).toFixed(0));
