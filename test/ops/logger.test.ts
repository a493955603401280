import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/ops/logger.js';

function captured() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(loadConfig({ RFM_LOG_LEVEL: 'info' }), destination), lines };
}

describe('the logger', () => {
  it('leaves out the arguments ioredis puts on its errors: an AUTH password, a script keys', () => {
    const { logger, lines } = captured();
    // As ioredis builds them (DataHandler.returnError): the failed command, arguments and all.
    const auth = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'auth', args: ['rfm', 's3cret-pw'] },
    });
    const script = Object.assign(new Error('NOPERM this user has no permissions'), {
      command: { name: 'evalsha', args: ['abc', '2', 'rfm:c:{cst000042}', 'rfm:c:{cst000042}:outbox'] },
    });
    logger.warn({ err: auth }, 'Redis connection error, retrying');
    logger.warn({ err: new Error('processing failed', { cause: script }) }, 'processing paused');
    const logged = lines.join('');
    expect(logged).not.toContain('s3cret-pw');
    expect(logged).not.toContain('cst000042');
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first.err).toMatchObject({
      message: 'WRONGPASS invalid username-password pair',
      command: { name: 'auth', args: '[2 arguments]' },
    });
    expect(second.err.message).toContain('processing failed');
    expect(second.err.message).toContain('NOPERM');
  });
});
