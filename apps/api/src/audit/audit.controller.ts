import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { Role } from '@registry/domain';
import { verifyAuditChain } from '@registry/persistence';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf } from '../common/paging';
import { AuditEventDto, AuditPageDto, AuditQueryDto, AuditVerificationDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Roles(Role.Admin, Role.Monitor, Role.Coordinator)
  @ApiOkResponse({
    type: AuditPageDto,
    description: 'Newest first; coordinators and monitors see their sites only',
  })
  async search(@CurrentActor() actor: Actor, @Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const [events, total] = await this.audit.search(actor, query);
    return pageOf(events.map(AuditEventDto.from), total, query);
  }

  @Get('verify')
  @Roles(Role.Admin)
  @ApiOkResponse({ type: AuditVerificationDto, description: 'Recomputes the hash chain from the first row' })
  verify(): Promise<AuditVerificationDto> {
    return verifyAuditChain(this.dataSource);
  }
}
