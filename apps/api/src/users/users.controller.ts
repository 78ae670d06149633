import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { ROLES, Role } from '@registry/domain';
import { Clock, ErrorResponseDto } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { Page, pageOf, PageQueryDto } from '../common/paging';
import { ReasonDto } from '../common/reason.dto';
import { UuidParam } from '../common/uuid-param';
import { CreateUserDto, UpdateUserDto, UserDto } from './user.dto';
import { UsersService } from './users.service';

class UserPageDto implements Page<UserDto> {
  @ApiProperty({ type: [UserDto] })
  items: UserDto[];
  @ApiProperty()
  page: number;
  @ApiProperty()
  pageSize: number;
  @ApiProperty()
  total: number;
}

@ApiTags('users')
@ApiBearerAuth()
@ApiExtraModels(UserPageDto)
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Roles(Role.Admin)
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: PageQueryDto): Promise<UserPageDto> {
    const [users, total] = await this.users.list(query);
    return pageOf(
      users.map((user) => UserDto.from(user, this.clock.now())),
      total,
      query,
    );
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOkResponse({ type: UserDto, description: 'Admins read anyone; others only themselves' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<UserDto> {
    return UserDto.from(await this.users.get(actor, id), this.clock.now());
  }

  @Post()
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The e-mail address is taken' })
  async create(@Body() body: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create(body), this.clock.now());
  }

  @Patch(':id')
  @Roles(Role.Admin)
  @ApiOkResponse({ type: UserDto })
  async update(@UuidParam() id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.update(id, body), this.clock.now());
  }

  @Post(':id/deactivate')
  @Roles(Role.Admin)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: UserDto })
  async deactivate(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: ReasonDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.setActive(actor, id, false, body.reason), this.clock.now());
  }

  @Post(':id/reactivate')
  @Roles(Role.Admin)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: UserDto })
  async reactivate(
    @CurrentActor() actor: Actor,
    @UuidParam() id: string,
    @Body() body: ReasonDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.setActive(actor, id, true, body.reason), this.clock.now());
  }
}
