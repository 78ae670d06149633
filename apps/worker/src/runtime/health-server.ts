import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Environment } from '@registry/config';
import { HealthService, isMetricsScrapeAuthorised, MetricsRegistry } from '@registry/platform';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The worker's only HTTP: GET /health (liveness) and GET /health/ready (PostgreSQL and Redis), answered in the
 * same shapes as the API's health routes, and GET /metrics for Prometheus with the METRICS_TOKEN as a bearer
 * token. No Nest HTTP platform is loaded for this.
 */
@Injectable()
export class WorkerHealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHealthServer.name);
  private server?: Server;

  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsRegistry,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.server = createServer((req, res) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET') return reply(405, { statusCode: 405, error: 'Method Not Allowed' });
      if (req.url === '/health') return reply(200, { status: 'ok', service: 'worker' });
      if (req.url === '/health/ready') {
        this.health.readiness().then(
          (report) => reply(report.status === 'ready' ? 200 : 503, report),
          () => reply(503, { status: 'not_ready' }),
        );
        return;
      }
      if (req.url === '/metrics') {
        if (!isMetricsScrapeAuthorised(req.headers.authorization, this.config.METRICS_TOKEN)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
          return reply(401, { statusCode: 401, error: 'Unauthorized' });
        }
        this.metrics.scrape().then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType });
            res.end(body);
          },
          (error: unknown) => {
            this.logger.warn({ msg: 'metrics scrape failed', error: (error as Error).message });
            reply(503, { statusCode: 503, error: 'Service Unavailable' });
          },
        );
        return;
      }
      reply(404, { statusCode: 404, error: 'Not Found' });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.config.WORKER_HEALTH_PORT, '127.0.0.1', resolve);
    });
    this.logger.log({ msg: 'worker health listening', port: this.port });
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
