import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthService } from '@registry/platform';
import type { Response } from 'express';
import { Public } from '../auth/decorators';

class DependenciesDto {
  @ApiProperty({ enum: ['up', 'down'] })
  database: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] })
  redis: 'up' | 'down';
}

class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
  @ApiProperty({ example: 'api' })
  service: string;
}

class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] })
  status: 'ready' | 'not_ready';
  @ApiProperty({ type: DependenciesDto })
  dependencies: DependenciesDto;
  @ApiProperty({ type: [String], example: [], description: 'The dependencies that are down, by name' })
  failing: string[];
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOkResponse({ type: LivenessDto, description: 'The process is alive' })
  liveness(): LivenessDto {
    return { status: 'ok', service: 'api' };
  }

  @Get('ready')
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
