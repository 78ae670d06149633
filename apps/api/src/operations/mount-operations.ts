import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { Environment } from '@registry/config';
import { Role } from '@registry/domain';
import { QueueInspector } from '@registry/jobs';
import {
  DomainError,
  ErrorKind,
  isMetricsScrapeAuthorised,
  MetricsRegistry,
  requestContext,
} from '@registry/platform';
import type { NextFunction, Request, Response } from 'express';
import { forbidden } from '../auth/auth.errors';
import { AuthenticationGuard } from '../auth/authentication.guard';
import type { AuthenticatedRequest } from '../auth/decorators';

export const METRICS_PATH = '/api/metrics';
export const QUEUE_DASHBOARD_PATH = '/api/admin/queues';

/**
 * GET /api/metrics for Prometheus, with the METRICS_TOKEN as a bearer token; the queue dashboard (Bull Board)
 * at /api/admin/queues for admins, read-only: it shows jobs and their errors but cannot add, retry, promote,
 * clean or remove any (a retried screening job is what the worker and the outbox already do, and a removed
 * one is lost work). Both sit outside the /api/v1 prefix and the OpenAPI document: they are for operators,
 * not API clients.
 */
export function mountOperations(app: INestApplication): void {
  const config = app.get(Environment);
  const metrics = app.get(MetricsRegistry);
  app.use(METRICS_PATH, (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    if (!isMetricsScrapeAuthorised(req.header('authorization'), config.METRICS_TOKEN)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res
        .status(401)
        .json({ statusCode: 401, error: 'Unauthorized', message: 'A valid metrics token is required' });
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => res.setHeader('Content-Type', contentType).send(body),
      (error: unknown) => next(error),
    );
  });

  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: app.get(QueueInspector).queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    // @bull-board/express 9.10.1 brings its own copy of @bull-board/api 9.10.1 (ours is 9.10.2): the same
    // interface, declared twice, which TypeScript refuses to equate.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  const guard = app.get(AuthenticationGuard);
  app.use(QUEUE_DASHBOARD_PATH, (req: Request, _res: Response, next: NextFunction) => {
    guard.authenticate(req as AuthenticatedRequest).then(
      (actor) => next(actor.role === Role.Admin ? undefined : forbidden()),
      (error: unknown) => next(error),
    );
  });
  app.use(
    QUEUE_DASHBOARD_PATH,
    board.getRouter() as (req: Request, res: Response, next: NextFunction) => void,
  );
  app.use(QUEUE_DASHBOARD_PATH, refusalResponder);
}

/** The refusals above (401, 403) in the shape of every other error of the API. */
function refusalResponder(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (!(error instanceof DomainError)) return next(error);
  const unauthenticated = error.kind === ErrorKind.Unauthenticated;
  res.status(unauthenticated ? 401 : 403).json({
    statusCode: unauthenticated ? 401 : 403,
    error: unauthenticated ? 'Unauthorized' : 'Forbidden',
    message: error.message,
    code: error.code,
    requestId: requestContext.requestId(),
  });
}
