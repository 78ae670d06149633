import { Module } from '@nestjs/common';
import { HealthService } from '@registry/platform';
import { HealthController } from './health.controller';
/** Liveness and readiness of the API (PostgreSQL and Redis). */
@Module({
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
