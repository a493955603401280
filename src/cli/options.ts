// Command-line flags that override configuration options: their help names the
// option's environment variable and default, and their values feed loadConfig.
import { type Command, Option } from 'commander';
import { CONFIG_SOURCES, type Config, type ConfigPath, loadConfig, overridesAt } from '../config/config.js';

export interface ConfigFlag {
  /** Commander flag syntax, e.g. '--brokers <list>'. */
  flags: string;
  path: ConfigPath;
  description: string;
}

/** Flags every subcommand accepts. */
export const GLOBAL_FLAGS: readonly ConfigFlag[] = [
  { flags: '--brokers <list>', path: 'kafka.brokers', description: 'Kafka bootstrap servers, host:port,...' },
  {
    flags: '--registry <url>',
    path: 'schemaRegistry.url',
    description: 'schema registry URL, Confluent REST API (Apicurio: .../apis/ccompat/v7)',
  },
  { flags: '--redis <url>', path: 'redis.url', description: 'Redis URL (rediss:// for TLS)' },
  { flags: '--namespace <name>', path: 'namespace', description: 'prefix of Redis keys and backfill topics' },
  {
    flags: '--log-level <level>',
    path: 'logLevel',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
];

/** How a fitted value model is applied: `rfm run`, `rfm inspect` and the HTTP view share them. */
export const VALUE_FLAGS: readonly ConfigFlag[] = [
  {
    flags: '--clv-horizon <days>',
    path: 'clvHorizonDays',
    description: "horizon of expected transactions and CLV, e.g. '365d'",
  },
  {
    flags: '--clv-discount-rate <rate>',
    path: 'clvDiscountRate',
    description: 'yearly discount rate of CLV, e.g. 0.1',
  },
];

export function configOption(flag: ConfigFlag): Option {
  const source: { env: string; default?: string } = CONFIG_SOURCES[flag.path];
  const fallback = source.default ? `, default: ${source.default}` : '';
  return new Option(flag.flags, `${flag.description} (env: ${source.env}${fallback})`);
}

/** Help text listing every option's environment variable and default, from CONFIG_SOURCES. */
export function environmentHelp(): string {
  const rows = [
    ['variable', 'default', 'option'],
    ...Object.entries(CONFIG_SOURCES).map(([path, source]: [string, { env: string; default?: string }]) => [
      source.env,
      source.default === undefined ? '(unset)' : source.default === '' ? "''" : source.default,
      path,
    ]),
  ];
  const width = (column: number) => Math.max(...rows.map((row) => (row[column] as string).length));
  const [envWidth, defaultWidth] = [width(0), width(1)];
  const lines = rows.map(
    ([env, fallback, path]) =>
      `  ${(env as string).padEnd(envWidth)}  ${(fallback as string).padEnd(defaultWidth)}  ${path}`,
  );
  return `\nEnvironment (every option; a flag above wins over its variable):\n${lines.join('\n')}\n`;
}

export function addConfigFlags(command: Command, flags: readonly ConfigFlag[]): Command {
  for (const flag of flags) command.addOption(configOption(flag));
  return command;
}

/**
 * The configuration of a subcommand: the environment, overridden by the global
 * flags and the subcommand's own `flags` where given.
 */
export function commandConfig(command: Command, flags: readonly ConfigFlag[] = []): Readonly<Config> {
  const values = command.optsWithGlobals();
  const given = [...GLOBAL_FLAGS, ...flags]
    .map((flag) => [flag.path, values[configOption(flag).attributeName()]] as const)
    .filter(([, value]) => value !== undefined);
  return loadConfig(process.env, overridesAt(given));
}
