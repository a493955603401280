// The `rfm` command and its subcommands. Each subcommand lives in its own file
// and registers itself here.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerBackfill } from './backfill.js';
import { registerDemo } from './demo.js';
import { registerFit } from './fit.js';
import { registerImport } from './import.js';
import { registerInspect } from './inspect.js';
import { addConfigFlags, GLOBAL_FLAGS } from './options.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerTopics } from './topics.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function createProgram(): Command {
  const program = new Command('rfm')
    .description('Real-time RFM customer segmentation: Kafka orders in, live segments and churn risk out')
    .version(version)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)');
  addConfigFlags(program, GLOBAL_FLAGS);
  registerTopics(program);
  registerImport(program);
  registerRun(program);
  registerBackfill(program);
  registerInspect(program);
  registerReport(program);
  registerFit(program);
  registerDemo(program);
  return program;
}
