import { createAppLogger } from './logger';
import { isSensitiveLogKey, REDACTED, redactSensitive } from './redaction';

describe('createAppLogger', () => {
  const capture = (level: 'debug' | 'info' | 'warn' = 'info') => {
    const lines: Record<string, unknown>[] = [];
    const logger = createAppLogger('api', level, {
      write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    return { logger, lines };
  };

  it('writes one JSON object a line with the service, the level as a word and an ISO time', () => {
    const { logger, lines } = capture();
    logger.info({ context: 'VisitsService', visitId: 'v-1' }, 'visit recorded');
    logger.debug('below the threshold');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'api',
        context: 'VisitsService',
        visitId: 'v-1',
        msg: 'visit recorded',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      }),
    ]);
  });

  it('redacts names, contacts, birth dates, assessment values and tokens at any depth', () => {
    const { logger, lines } = capture();
    const object = {
      participantId: 'p-1',
      identity: { familyName: 'Tanaka' },
      nested: { deeper: [{ email: 'yuki@example.jp', type: 'mmse', values: { total: 27 } }] },
      birthDate: '1958-04-01',
      accessToken: 'eyJ...',
      Authorization: 'Bearer abc',
    };
    logger.info(object, 'something');
    expect(lines[0]).toMatchObject({
      participantId: 'p-1',
      identity: REDACTED,
      nested: { deeper: [{ email: REDACTED, type: 'mmse', values: REDACTED }] },
      birthDate: REDACTED,
      accessToken: REDACTED,
      Authorization: REDACTED,
    });
    // The caller's object is left as it was.
    expect(object.identity.familyName).toBe('Tanaka');
  });

  it('keeps the stack of errors but not the values a driver quotes in them', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      detail: 'Key (email)=(yuki@example.jp) already exists.',
      parameters: ['Yuki', 'Tanaka'],
    });
    logger.error({ err: error }, 'insert failed');
    const err = lines[0].err as Record<string, unknown>;
    expect(err).toMatchObject({
      message: 'duplicate key value violates unique constraint',
      detail: REDACTED,
    });
    expect(err.parameters).toBe(REDACTED);
    expect(err.stack).toContain('Error: duplicate key');
  });
});

describe('isSensitiveLogKey', () => {
  it('matches whatever the case or separator, and leaves ids and codes alone', () => {
    expect(['given_name', 'GIVENNAME', 'date-of-birth', 'refresh_token'].map(isSensitiveLogKey)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['participantId', 'siteId', 'status', 'durationMs'].map(isSensitiveLogKey)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(redactSensitive('plain text')).toBe('plain text');
  });

  it('blanks the free text coordinators write: a referral note, a cancelled visit’s reason', () => {
    expect(redactSensitive({ to: 'declined', note: 'Mrs Sato said no' })).toEqual({
      to: 'declined',
      note: REDACTED,
    });
    expect(redactSensitive({ cancelReason: 'moved to Osaka' })).toEqual({ cancelReason: REDACTED });
  });
});
