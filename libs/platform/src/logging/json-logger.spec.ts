import { JsonLogger } from './json-logger';
import { requestContext } from './request-context';

describe('JsonLogger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'info') => {
    const lines: Record<string, unknown>[] = [];
    const logger = new JsonLogger('api', level, (line) =>
      lines.push(JSON.parse(line) as Record<string, unknown>),
    );
    return { logger, lines };
  };

  it('writes one JSON object per line with the request id of the current request', () => {
    const { logger, lines } = capture();
    requestContext.run({ requestId: 'req-12345678' }, () => logger.log('visit recorded', 'VisitsService'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'api',
        requestId: 'req-12345678',
        context: 'VisitsService',
        msg: 'visit recorded',
      }),
    ]);
  });

  it('merges structured messages and drops lines below the threshold', () => {
    const { logger, lines } = capture('warn');
    logger.log({ msg: 'ignored' });
    logger.warn({ msg: 'slow query', ms: 812 }, 'Db');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'slow query', ms: 812, context: 'Db' }),
    ]);
  });

  it('keeps the stack of errors', () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'Boot');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'boom', context: 'Boot' });
    expect((lines[0].err as { stack: string }).stack).toContain('Error: boom');
  });
});
