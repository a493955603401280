// `rfm import <file>`: historical orders from a CSV or whitespace-separated file,
// or a CDNOW preset, into the orders topic.
import { basename, extname } from 'node:path';
import { type Command, Option } from 'commander';
import { ORDER_KINDS, type OrderKind } from '../domain/order.js';
import { ConfigError } from '../errors.js';
import { parseInteger } from '../ingest/amount.js';
import { CDNOW_PRESETS, type CdnowPreset } from '../ingest/cdnow.js';
import { parseDelimiter } from '../ingest/csv.js';
import { type ImportRequest, type ImportSummary, importOrders } from '../ingest/importer.js';
import { parseColumns } from '../ingest/mapping.js';
import { type OrderFormat, presetFile } from '../ingest/source.js';
import { TIME_FORMATS, type TimeFormat } from '../ingest/time.js';
import { createLogger } from '../ops/logger.js';
import { addConfigFlags, type ConfigFlag, commandConfig } from './options.js';

const FLAGS: readonly ConfigFlag[] = [
  { flags: '--topic <name>', path: 'topics.orders', description: 'orders topic' },
];

interface ImportFlags {
  preset?: CdnowPreset;
  columns?: string;
  delimiter: string;
  timeFormat: TimeFormat;
  kind: OrderKind;
  currency?: string;
  amountUnit: 'major' | 'minor';
  idPrefix?: string;
  sort?: boolean;
  limit?: string;
  batchSize: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .argument('[file]', 'order file; with --preset, defaults to the CDNOW file in deploy/data/cdnow')
    .description(
      'Produce historical orders from a file to the orders topic (Avro through the schema registry, ' +
        'key = customer id). Each row is one order event; rows that cannot be read are skipped and counted.',
    )
    .addOption(
      new Option('--preset <name>', 'read a CDNOW file in its own layout').choices(
        Object.keys(CDNOW_PRESETS),
      ),
    )
    .option(
      '--columns <mapping>',
      'field=column pairs, e.g. eventId=id,customerId=cust,amount=total,eventTime=ts; ' +
        'fields: eventId, customerId, orderId, kind, amount, currency, eventTime, quantity ' +
        '(columns named like a field need no pair)',
    )
    .option('--delimiter <char>', 'a character, or comma, tab, semicolon, pipe, whitespace', ',')
    .addOption(
      new Option('--time-format <format>', 'format of eventTime').choices(TIME_FORMATS).default('iso'),
    )
    .addOption(
      new Option('--kind <kind>', 'kind of rows without a kind column')
        .choices(ORDER_KINDS)
        .default('PURCHASE'),
    )
    .option('--currency <code>', 'currency of rows without a currency column (default: RFM_CURRENCY)')
    .addOption(
      new Option('--amount-unit <unit>', 'amounts in major (12.50) or minor (1250) units')
        .choices(['major', 'minor'])
        .default('major'),
    )
    .option(
      '--id-prefix <prefix>',
      'without an eventId column, ids are <prefix>-<line> (default: the file name)',
    )
    .option('--sort', 'send in event-time order (presets always do)')
    .option('--limit <n>', 'send only the first n events (after sorting, the earliest)')
    .option('--batch-size <n>', 'records per produce request', '1000')
    .option('--json', 'print the summary as JSON');
  addConfigFlags(command, FLAGS).action(
    async (file: string | undefined, flags: ImportFlags, self: Command) => {
      const config = commandConfig(self, FLAGS);
      const logger = createLogger(config);
      const request = importRequest(file, flags, config.reportingCurrency);
      const summary = await importOrders(request, config, logger);
      console.log(flags.json ? JSON.stringify(summary) : formatSummary(summary));
    },
  );
}

function importRequest(
  file: string | undefined,
  flags: ImportFlags,
  reportingCurrency: string,
): ImportRequest {
  const path = file ?? (flags.preset ? presetFile(flags.preset) : undefined);
  if (path === undefined) {
    throw new ConfigError('give the file to import, or --preset cdnow / --preset cdnow-sample');
  }
  const limit = flags.limit === undefined ? undefined : positive(flags.limit, '--limit');
  const batchSize = positive(flags.batchSize, '--batch-size');
  return {
    file: path,
    format: flags.preset ? { preset: flags.preset } : mappedFormat(path, flags, reportingCurrency),
    sort: flags.sort === true,
    ...(limit === undefined ? {} : { limit }),
    batchSize,
    interactive: process.stdout.isTTY === true,
  };
}

function mappedFormat(path: string, flags: ImportFlags, reportingCurrency: string): OrderFormat {
  const delimiter = parseDelimiter(flags.delimiter);
  if (delimiter === undefined) {
    throw new ConfigError(
      `--delimiter ${JSON.stringify(flags.delimiter)}: give one character, or comma, tab, semicolon, pipe, whitespace`,
    );
  }
  const currency = (flags.currency ?? reportingCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new ConfigError(`--currency ${JSON.stringify(flags.currency)}: give an ISO-4217 code, e.g. USD`);
  }
  return {
    mapping: {
      columns: flags.columns ? parseColumns(flags.columns) : {},
      delimiter,
      timeFormat: flags.timeFormat,
      kind: flags.kind,
      currency,
      amountUnit: flags.amountUnit,
      idPrefix: flags.idPrefix ?? basename(path, extname(path)),
    },
  };
}

function positive(text: string, flag: string): number {
  const value = parseInteger(text);
  if (value === undefined || value < 1)
    throw new ConfigError(`${flag} ${JSON.stringify(text)}: give a whole number >= 1`);
  return value;
}

export function formatSummary(summary: ImportSummary): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const day = (time: number | null) => (time === null ? '-' : new Date(time).toISOString().slice(0, 10));
  const skippedRows = summary.skipped.reduce((sum, s) => sum + s.count, 0);
  const lines = [
    `Imported ${summary.file} into ${summary.topic}`,
    `  rows      ${n(summary.rows)}`,
    `  sent      ${n(summary.sent)} events, ${n(summary.distinctCustomers)} customers, ` +
      `${day(summary.firstEventTime)} .. ${day(summary.lastEventTime)}`,
    `  skipped   ${n(skippedRows)}`,
    ...summary.skipped.map((s) => `              ${n(s.count)} ${s.reason} (first at line ${s.firstLine})`),
  ];
  if (summary.beyondLimit > 0) lines.push(`  not sent  ${n(summary.beyondLimit)} beyond --limit`);
  lines.push(
    `  duration  read ${(summary.readMs / 1000).toFixed(2)} s, send ${(summary.sendMs / 1000).toFixed(2)} s`,
    `  rate      ${n(summary.ratePerSecond)} events/s`,
  );
  return lines.join('\n');
}
