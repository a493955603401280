// The processor's one HTTP port: /metrics for Prometheus, /healthz and /readyz
// for Kubernetes probes, and a read-only GET /customers/{id} with what `rfm
// inspect --json` prints. node:http, no framework; requests are small and bounded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { MAX_ID_LENGTH } from '../domain/admission.js';
import type { CustomerView } from '../state/views.js';
import type { Health } from './health.js';
import type { Logger } from './logger.js';

export interface HttpServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Loopback by default in tests; every interface in a pod. */
  host?: string;
  registry: Registry;
  health: Health;
  /** One customer, null when unknown; absent until the processor has its state open. */
  customer?: () => ((customerId: string) => Promise<CustomerView | null>) | undefined;
  logger: Logger;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Longest request target accepted: the longest customer id, percent-encoded, and the path. */
const MAX_URL_LENGTH = 16 + 3 * MAX_ID_LENGTH;
/** Headers beyond this are refused by node before any handler runs (431). */
const MAX_HEADER_BYTES = 8 * 1024;
/** A customer lookup that takes longer than this answers 503: Redis is not answering. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** How long `close` lets requests in flight finish before it drops their connections. */
const CLOSE_GRACE_MS = 1_000;

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  let closing = false;
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
    // A keep-alive client (Node's own agent, a probe) would otherwise hold its
    // connection, and the closing server, open for as long as it keeps asking.
    if (closing) response.setHeader('Connection', 'close');
    handle(request, response, options).catch((error: unknown) => {
      options.logger.error({ err: error, path: loggedPath(request.url) }, 'HTTP request failed');
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port }, 'HTTP server listening: /metrics /healthz /readyz /customers/{id}');
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close((error) => {
          clearTimeout(grace);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: HttpServerOptions) {
  const target = request.url ?? '/';
  if (target.length > MAX_URL_LENGTH) return send(response, 414, { error: 'request target too long' });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(response, 405, { error: 'only GET and HEAD' });
  }
  // Nothing here takes a body: refuse one rather than read it.
  const length = Number(request.headers['content-length'] ?? 0);
  if (length > 0 || request.headers['transfer-encoding'] !== undefined)
    return send(response, 413, { error: 'requests take no body' });

  const path = target.split('?')[0] as string;
  if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'Content-Type': options.registry.contentType });
    return response.end(request.method === 'HEAD' ? undefined : body);
  }
  if (path === '/healthz') {
    const live = options.health.live();
    return send(response, live.ok ? 200 : 503, live);
  }
  if (path === '/readyz') {
    const ready = options.health.ready();
    return send(response, ready.ok ? 200 : 503, ready);
  }
  if (path.startsWith('/customers/')) return customer(path.slice('/customers/'.length), response, options);
  return send(response, 404, { error: 'not found: /metrics, /healthz, /readyz, /customers/{id}' });
}

async function customer(encoded: string, response: ServerResponse, options: HttpServerOptions) {
  const id = customerId(encoded);
  if (typeof id !== 'string') return send(response, 400, { error: id.error });
  const lookup = options.customer?.();
  if (!lookup) return send(response, 503, { error: 'the processor is starting' });
  const view = await withTimeout(lookup(id), LOOKUP_TIMEOUT_MS);
  if (view === undefined) return send(response, 503, { error: 'the state store did not answer in time' });
  if (view === null) return send(response, 404, { error: `no customer '${id}'` });
  return send(response, 200, view);
}

/** The id from the path, held to what admission lets into the state. */
export function customerId(encoded: string): string | { error: string } {
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    return { error: 'the customer id is not valid percent-encoding' };
  }
  if (id.length === 0) return { error: 'the customer id is empty' };
  if (id.length > MAX_ID_LENGTH)
    return { error: `the customer id is longer than ${MAX_ID_LENGTH} characters` };
  if (/[{}]/.test(id) || [...id].some((c) => (c.codePointAt(0) as number) < 0x20 || c === '\u007f'))
    return { error: 'the customer id contains braces or control characters' };
  return id;
}

/** The request path as logs may show it: without the customer id or the query. */
export function loggedPath(target = '/'): string {
  const path = target.split('?')[0] as string;
  return path.startsWith('/customers/') ? '/customers/{id}' : path.slice(0, 64);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : json);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
