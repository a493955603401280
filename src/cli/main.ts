// Entry point of the `rfm` command (bin/rfm.js): runs the program and turns an
// error into a one-line message and an exit code.
import { RfmError } from '../errors.js';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof RfmError) {
    process.stderr.write(`rfm: ${error.message}\n`);
    // 2 for "fix the command or its configuration", as for usage errors.
    process.exitCode = error.code === 'CONFIG' ? 2 : 1;
  } else {
    process.stderr.write(`rfm: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
