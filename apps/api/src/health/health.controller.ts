import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { ApiErrors, HealthService } from '@registry/platform';
import type { Response } from 'express';
import { Public } from '../auth/decorators';
import { LivenessDto, ReadinessDto } from './health.dto';

@ApiTags('health')
@Public()
@ApiErrors(400)
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ operationId: 'healthLiveness', summary: 'Is the API process alive', security: [] })
  @ApiOkResponse({ type: LivenessDto, description: 'The process is alive' })
  liveness(): LivenessDto {
    return { status: 'ok', service: 'api' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'healthReadiness',
    summary: 'Are PostgreSQL and Redis reachable',
    security: [],
  })
  @ApiOkResponse({ type: ReadinessDto, description: 'PostgreSQL and Redis both answer' })
  @ApiServiceUnavailableResponse({
    type: ReadinessDto,
    description: 'A dependency is down; `failing` names it',
  })
  async readiness(@Res({ passthrough: true }) res: Response): Promise<ReadinessDto> {
    const report = await this.health.readiness();
    if (report.status !== 'ready') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
