import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { Public } from '../../apps/api/src/auth/decorators';
import { createTestSystem, startApi, TestApi, TestSystem } from '../support/harness';

class ProbeScoreDto {
  @ApiProperty()
  @IsInt()
  @Min(0)
  @Max(30)
  total: number;
}

class ProbeBodyDto {
  @ApiProperty()
  @IsString()
  name: string;

  @ApiProperty({ type: ProbeScoreDto })
  @ValidateNested()
  @Type(() => ProbeScoreDto)
  mmse: ProbeScoreDto;
}

/** Mounted only in this test, to drive the global validation pipe and exception filter. */
@Public()
@Controller('probe')
class ProbeController {
  @Post()
  echo(@Body() body: ProbeBodyDto): ProbeBodyDto {
    return body;
  }

  @Get('crash')
  crash(): never {
    throw new Error('relation "participant_secret" does not exist: SELECT * FROM participant_secret');
  }
}

describe('foundation: health, errors, request ids and the OpenAPI document', () => {
  let system: TestSystem;
  let api: TestApi;

  beforeAll(async () => {
    system = await createTestSystem();
    api = await startApi(system.config, [ProbeController]);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('answers liveness', async () => {
    const res = await api.http().get('/api/v1/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', service: 'api' });
  });

  it('is ready when PostgreSQL and Redis both answer', async () => {
    const res = await api.http().get('/api/v1/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ready', dependencies: { database: 'up', redis: 'up' }, failing: [] });
  });

  it('returns a request id on every response and keeps a well-formed one the caller sent', async () => {
    const generated = await api.http().get('/api/v1/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await api.http().get('/api/v1/health').set('X-Request-Id', 'gateway-trace-0001');
    expect(kept.headers['x-request-id']).toBe('gateway-trace-0001');
    // A malformed id is replaced by a generated one. Asserting "does not contain 'bad'" failed once in CI:
    // a random UUID can itself contain the hex letters b-a-d. The replacement must be a fresh UUID instead.
    const replaced = await api.http().get('/api/v1/health').set('X-Request-Id', 'bad id; with spaces');
    expect(replaced.headers['x-request-id']).not.toBe('bad id; with spaces');
    expect(replaced.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('answers unknown routes with 404 in the common error shape', async () => {
    const res = await api.http().get('/api/v1/no-such-thing').expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'No route or resource at GET /api/v1/no-such-thing',
      code: 'not_found',
      requestId: res.headers['x-request-id'],
    });
  });

  it('refuses an unknown property with 400 naming the field', async () => {
    const res = await api
      .http()
      .post('/api/v1/probe')
      .send({ name: 'x', mmse: { total: 28 }, favouriteColour: 'blue' })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'validation_failed' });
    expect(res.body.details).toEqual([
      {
        field: 'favouriteColour',
        constraint: 'whitelistValidation',
        message: 'property favouriteColour should not exist',
      },
    ]);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('refuses a wrongly typed or out-of-range nested field with 400 naming its full path', async () => {
    const wrongType = await api
      .http()
      .post('/api/v1/probe')
      .send({ name: 'x', mmse: { total: 'high' } })
      .expect(400);
    expect(wrongType.body.details).toContainEqual(
      expect.objectContaining({ field: 'mmse.total', constraint: 'isInt' }),
    );
    const outOfRange = await api
      .http()
      .post('/api/v1/probe')
      .send({ name: 'x', mmse: { total: 31 } })
      .expect(400);
    expect(outOfRange.body.details).toEqual([
      { field: 'mmse.total', constraint: 'max', message: 'mmse.total must not be greater than 30' },
    ]);
  });

  it('accepts a valid body', async () => {
    const res = await api
      .http()
      .post('/api/v1/probe')
      .send({ name: 'x', mmse: { total: 30 } })
      .expect(201);
    expect(res.body).toEqual({ name: 'x', mmse: { total: 30 } });
  });

  it('answers malformed JSON with 400 in the same shape', async () => {
    const res = await api
      .http()
      .post('/api/v1/probe')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, message: 'Request body is not valid JSON' });
    expect(res.body.requestId).toBeTruthy();
  });

  it('hides stacks and SQL of unexpected errors behind a 500 with the request id', async () => {
    const res = await api.http().get('/api/v1/probe/crash').expect(500);
    expect(res.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error; quote the request id when reporting it',
      code: 'internal_error',
      requestId: res.headers['x-request-id'],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|participant_secret|at /);
  });

  it('serves the OpenAPI document and its UI, with every schema property described', async () => {
    await api.http().get('/api/docs').expect(200);
    const res = await api.http().get('/api/docs-json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/health', '/api/v1/health/ready']),
    );
    const schemas = res.body.components.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(schemas.ErrorResponseDto.properties).toHaveProperty('requestId');
    for (const [name, schema] of Object.entries(schemas)) {
      expect({ name, hasProperties: Object.keys(schema.properties ?? {}).length > 0 }).toEqual({
        name,
        hasProperties: true,
      });
    }
  });
});

describe('foundation: readiness when a dependency is down', () => {
  let system: TestSystem;
  let api: TestApi;

  beforeAll(async () => {
    // Port 1 on loopback: nothing listens there, the same as a stopped Redis.
    system = await createTestSystem({ REDIS_URL: 'redis://127.0.0.1:1' });
    api = await startApi(system.config);
  });

  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  it('answers 503 and names Redis as the failing part', async () => {
    const res = await api.http().get('/api/v1/health/ready').expect(503);
    expect(res.body).toEqual({
      status: 'not_ready',
      dependencies: { database: 'up', redis: 'down' },
      failing: ['redis'],
    });
  });

  it('still answers liveness', async () => {
    await api.http().get('/api/v1/health').expect(200);
  });
});
