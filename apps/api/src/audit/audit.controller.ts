import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Role } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf } from '../common/paging';
import { AuditEventDto, AuditPageDto, AuditQueryDto, AuditVerificationDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@ApiErrors(400, 401, 403)
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ operationId: 'searchAuditTrail', summary: 'Search the audit trail' })
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
  @ApiOperation({
    operationId: 'verifyAuditTrail',
    summary: "Verify the audit trail's hash chain and signed checkpoints",
  })
  @Roles(Role.Admin)
  @ApiOkResponse({
    type: AuditVerificationDto,
    description:
      'Recomputes the hash chain from the first row and checks every signed checkpoint; rows after the ' +
      'newest checkpoint are covered by the chain alone (checkpoints.rowsAfterNewest)',
  })
  verify(): Promise<AuditVerificationDto> {
    return this.audit.verify();
  }
}
