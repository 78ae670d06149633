import { Global, Injectable, Module } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The Prometheus registry of one process (its own, not prom-client's global one, so that a test running the
 * API and a worker in one process scrapes each apart). Node's default metrics (heap, event loop lag, GC) are on
 * it from the start; features add their series to `registry`.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text and its content type, for GET /metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

@Global()
@Module({ providers: [MetricsRegistry], exports: [MetricsRegistry] })
export class MetricsModule {}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether an Authorization header carries the scrape token (`Bearer <METRICS_TOKEN>`), compared in constant
 * time: the series name queues, routes and volumes, which is not for anyone who can reach the port.
 */
export function isMetricsScrapeAuthorised(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(authorization.slice('Bearer '.length)), digest(token));
}
