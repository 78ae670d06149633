import { DynamicModule, Global, Module } from '@nestjs/common';
import { Environment } from './environment';

/** Makes the one validated `Environment` injectable everywhere (inject it by its class). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Environment): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: Environment, useValue: config }],
      exports: [Environment],
    };
  }
}
