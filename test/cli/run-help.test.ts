import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { CONFIG_SOURCES } from '../../src/config/config.js';

describe('rfm run --help', () => {
  it('lists every option with its environment variable and default', () => {
    const program = createProgram();
    const run = program.commands.find((c) => c.name() === 'run');
    let help = '';
    run?.configureOutput({ writeOut: (text) => (help += text) });
    run?.outputHelp();
    for (const [path, source] of Object.entries(CONFIG_SOURCES) as [
      string,
      { env: string; default?: string },
    ][]) {
      const line = help.split('\n').find((l) => l.trim().startsWith(`${source.env} `));
      expect(line, source.env).toBeDefined();
      expect(line?.trim().endsWith(` ${path}`)).toBe(true);
      if (source.default) expect(line).toContain(source.default);
    }
    expect(help).toContain('--http-port <port>');
    expect(help).toContain('(env: RFM_HTTP_PORT, default: 9400)');
  });
});
