import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import type { MetricsRegistry } from '../metrics/metrics-registry';

/** Seconds; from a cached read to a slow feasibility count. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * HTTP latency by method, route and status. The route is the pattern that matched (`/api/v1/participants/:participantId`),
 * never the path itself, which carries ids and would make a series per participant; a request no route
 * matched (404, or refused before routing) counts under "unmatched".
 */
export function httpMetricsMiddleware(metrics: MetricsRegistry) {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its response finishing, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [metrics.registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
