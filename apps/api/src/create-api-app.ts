import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Environment } from '@registry/config';
import { EARLIEST_CALENDAR_DATE, LATEST_CALENDAR_DATE } from '@registry/domain';
import {
  accessLogMiddleware,
  BodilessRouteInterceptor,
  createValidationPipe,
  ErrorResponseDto,
  GlobalExceptionFilter,
  httpMetricsMiddleware,
  MetricsRegistry,
  requestShapeMiddleware,
  APP_LOGGER,
  AppLogger,
  MAX_JSON_BODY_DEPTH,
  requestIdMiddleware,
} from '@registry/platform';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import helmet from 'helmet';
import { AppModule } from './app.module';
import openApiMetadata from './openapi-metadata';
import { MAX_PAGE, MAX_PAGE_SIZE } from './common/paging';
import { trustProxySetting } from './common/throttling/trust-proxy';
import { mountOperations } from './operations/mount-operations';

export const API_PREFIX = 'api/v1';

/**
 * Builds the HTTP app exactly as production runs it; the end-to-end tests call this too,
 * so they exercise the same prefix, pipes, filter, logging and OpenAPI document.
 */
export async function createApiApp(config: Environment, logger?: AppLogger) {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    // Lines logged while the app is built wait for configureApiApp to hand Nest the pino logger.
    bufferLogs: true,
    // Registered in configureApiApp instead, after the request id, so parse errors carry one too.
    bodyParser: false,
  });
  await configureApiApp(app);
  return app;
}

export async function configureApiApp(app: INestApplication): Promise<void> {
  const logger = app.get(Logger);
  app.useLogger(logger);
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Which X-Forwarded-For hops to believe for request.ip, which the per-IP rate limits count by.
  express.set('trust proxy', trustProxySetting(app.get(Environment).TRUST_PROXY));
  // Security headers on every response, errors included. Helmet's default CSP suits the docs UI too (its
  // scripts come from here, its styles are inline); only the upgrade to https is left out, which would break
  // the UI where the API is reached over plain http, as in development.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(`/${API_PREFIX}`, noStore);
  app.use(requestIdMiddleware);
  app.use(accessLogMiddleware(app.get<AppLogger>(APP_LOGGER)));
  app.use(httpMetricsMiddleware(app.get(MetricsRegistry)));
  express.useBodyParser('json', { limit: '1mb' });
  // Before any route (log-in included) turns the body into a DTO: class-transformer recurses without a limit.
  app.use(requestShapeMiddleware);
  mountOperations(app);
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'docs', method: RequestMethod.ALL }] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new BodilessRouteInterceptor());
  app.useGlobalFilters(new GlobalExceptionFilter(logger));
  if (app.get(Environment).API_DOCS_ENABLED) await serveApiDocs(app);
}

/**
 * Every API answer carries tokens, identities or health data for one reader: no browser or proxy may keep a
 * copy (log-in, refresh, identity and participant responses above all).
 */
function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}

async function serveApiDocs(app: INestApplication): Promise<void> {
  // What the @nestjs/swagger plugin read from the DTO and controller types (scripts/openapi-metadata.mjs).
  await SwaggerModule.loadPluginMetadata(openApiMetadata);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Trial-ready registry API')
      .setDescription(
        'Cohort follow-up, biomarker work-ups and eligibility screening for Alzheimer prevention trials. ' +
          'Every error has the shape of ErrorResponseDto; details name each field by its path, with array ' +
          'indexes in brackets (assessments[0].values.total). ' +
          `A JSON body may nest at most ${MAX_JSON_BODY_DEPTH} levels of objects and arrays, and no key may be ` +
          'named after an Object.prototype member (constructor, toString, __proto__, ...). ' +
          'A route that takes no body refuses one (an empty object {} counts as none). ' +
          `Dates are YYYY-MM-DD calendar days from ${EARLIEST_CALENDAR_DATE} to ${LATEST_CALENDAR_DATE}; ` +
          'a date of something that has happened (birth, visit, assessment, consent, status change) is not after ' +
          "today in the site's time zone. " +
          `Lists take page 1 to ${MAX_PAGE} and pageSize 1 to ${MAX_PAGE_SIZE}.`,
      )
      .setVersion('1')
      // Relative: a browser client calls the host that served it the document, whichever that is.
      .addServer('/', 'The host serving this document')
      .addBearerAuth()
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    useGlobalPrefix: false,
  });
}
