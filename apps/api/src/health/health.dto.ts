import { ApiProperty } from '@nestjs/swagger';

export class DependenciesDto {
  @ApiProperty({ enum: ['up', 'down'] })
  database: 'up' | 'down';
  @ApiProperty({ enum: ['up', 'down'] })
  redis: 'up' | 'down';
}

export class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status: 'ok';
  @ApiProperty({ example: 'api' })
  service: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] })
  status: 'ready' | 'not_ready';
  dependencies: DependenciesDto;
  @ApiProperty({ type: [String], example: [], description: 'The dependencies that are down, by name' })
  failing: string[];
}
