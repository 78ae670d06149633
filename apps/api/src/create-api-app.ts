import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Environment } from '@registry/config';
import {
  accessLogMiddleware,
  createValidationPipe,
  ErrorResponseDto,
  GlobalExceptionFilter,
  JsonLogger,
  requestIdMiddleware,
} from '@registry/platform';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module';

export const API_PREFIX = 'api/v1';

/**
 * Builds the HTTP app exactly as production runs it; the end-to-end tests call this too,
 * so they exercise the same prefix, pipes, filter, logging and OpenAPI document.
 */
export async function createApiApp(config: Environment, logger = new JsonLogger('api', config.LOG_LEVEL)) {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger,
    // Registered in configureApiApp instead, after the request id, so parse errors carry one too.
    bodyParser: false,
  });
  configureApiApp(app, logger);
  return app;
}

export function configureApiApp(app: INestApplication, logger: JsonLogger): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Security headers on every response, errors included. Helmet's default CSP suits the docs UI too (its
  // scripts come from here, its styles are inline); only the upgrade to https is left out, which would break
  // the UI where the API is reached over plain http, as in development.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(`/${API_PREFIX}`, noStore);
  app.use(requestIdMiddleware);
  app.use(accessLogMiddleware(logger));
  express.useBodyParser('json', { limit: '1mb' });
  app.setGlobalPrefix(API_PREFIX, { exclude: [{ path: 'docs', method: RequestMethod.ALL }] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new GlobalExceptionFilter(logger));
  if (app.get(Environment).API_DOCS_ENABLED) serveApiDocs(app);
}

/**
 * Every API answer carries tokens, identities or health data for one reader: no browser or proxy may keep a
 * copy (log-in, refresh, identity and participant responses above all).
 */
function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}

function serveApiDocs(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Trial-ready registry API')
      .setDescription(
        'Cohort follow-up, biomarker work-ups and eligibility screening for Alzheimer prevention trials. ' +
          'Every error has the shape of ErrorResponseDto.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    useGlobalPrefix: false,
  });
}
