#!/usr/bin/env node
// The `rfm` command: runs the compiled CLI in dist/, which `npm run build` makes.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('rfm: dist/cli/main.js is missing: run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
