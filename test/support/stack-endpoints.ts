// Where the integration tests find the real services, as global-setup provides it.
import { inject } from 'vitest';

export interface StackEndpoints {
  /** Comma-separated host:port list. */
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  redisUrl: string;
  /** How the services were found: given by the environment, started in containers, or the local stack. */
  source: 'env' | 'testcontainers' | 'local-stack';
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

export function stackEndpoints(): StackEndpoints {
  return inject('stack');
}

export function brokers(stack: StackEndpoints = stackEndpoints()): string[] {
  return stack.kafkaBrokers.split(',').map((b) => b.trim());
}
