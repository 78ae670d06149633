import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from '@registry/config';
import { dataSourceOptions, SessionSettings } from './data-source-options';
import { DatabasePrivilegeCheck } from './database-privilege-check';
import { REPOSITORIES, Transactions, TypeOrmTransactions } from './repositories';

/**
 * The TypeORM connection for a Nest app (entities come from the shared list, never auto-loaded), and the
 * repositories and transaction runner every feature module's services take.
 */
@Module({})
export class DatabaseModule {
  /**
   * @param processName shown as `application_name` in pg_stat_activity, to tell the API's connections from the worker's
   * @param sessionSettings PostgreSQL settings for every connection of this app
   * @param poolSize how many connections the app's pool may open, given its configuration (default
   *   DATABASE_POOL_SIZE); an app whose concurrent jobs each hold several needs more (the worker)
   */
  static forRoot(
    processName: string,
    sessionSettings: SessionSettings = {},
    poolSize: (config: Environment) => number = (config) => config.DATABASE_POOL_SIZE,
  ): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [Environment],
          useFactory: (config: Environment) =>
            dataSourceOptions(
              { DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: poolSize(config) },
              `trialready-${processName}`,
              sessionSettings,
            ),
        }),
      ],
      providers: [
        DatabasePrivilegeCheck,
        { provide: Transactions, useClass: TypeOrmTransactions },
        ...REPOSITORIES,
      ],
      exports: [Transactions, ...REPOSITORIES],
    };
  }
}
