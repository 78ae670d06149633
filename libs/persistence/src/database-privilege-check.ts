import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { DataSource } from 'typeorm';
import { auditTamperingRights } from './database-roles';

/**
 * At start-up, refuses (in production) to run with a database role that could rewrite the audit trail, so
 * that a DATABASE_URL left at the owner's or a superuser's credentials cannot quietly void its guarantees.
 * Elsewhere it warns, once.
 */
@Injectable()
export class DatabasePrivilegeCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatabasePrivilegeCheck.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const problems = await auditTamperingRights(this.dataSource);
    if (problems.length === 0) return;
    const message =
      'DATABASE_URL must connect as the app role (trialready_app), which may only read and append the audit ' +
      `trail: ${problems.join('; ')}`;
    if (this.config.NODE_ENV === 'production') throw new Error(message);
    this.logger.warn({ msg: message });
  }
}
