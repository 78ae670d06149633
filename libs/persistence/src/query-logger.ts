import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * Sends TypeORM's reports through the application's JSON logger. Query parameters are never logged: they
 * hold names, birth dates and clinical values. Failed queries are logged by SQL state and message only.
 */
export class QueryLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error): void {
    const driverError = (error as { driverError?: { code?: string } }).driverError;
    this.logger.warn({
      msg: 'query failed',
      sqlState: driverError?.code ?? (error as { code?: string }).code,
      error: typeof error === 'string' ? error : error.message,
    });
  }

  logQuerySlow(time: number): void {
    this.logger.warn({ msg: 'slow query', ms: time });
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log({ msg: message });
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn({ msg: String(message) });
  }
}
