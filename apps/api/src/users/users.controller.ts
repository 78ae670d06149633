import { Body, Controller, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { ROLES, Role } from '@registry/domain';
import { ApiErrors, Clock } from '@registry/platform';
import type { Actor } from '../auth/actor';
import { CurrentActor, Roles } from '../auth/decorators';
import { pageOf, PageQueryDto } from '../common/paging';
import { ReasonDto } from '../common/reason.dto';
import { UuidParam } from '../common/uuid-param';
import { CreateUserDto, UpdateUserDto, UserDto, UserPageDto } from './user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiExtraModels(UserPageDto)
@ApiErrors(400, 401, 403)
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listUsers', summary: 'List users' })
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
  @ApiOperation({ operationId: 'getUser', summary: 'Get a user (others than admins: only themselves)' })
  @ApiErrors(404)
  @Roles(...ROLES)
  @ApiOkResponse({ type: UserDto, description: 'Admins read anyone; others only themselves' })
  async get(@CurrentActor() actor: Actor, @UuidParam() id: string): Promise<UserDto> {
    return UserDto.from(await this.users.get(actor, id), this.clock.now());
  }

  @Post()
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user' })
  @ApiErrors({ status: 409, description: 'The e-mail address is taken' })
  @Roles(Role.Admin)
  @ApiCreatedResponse({ type: UserDto })
  async create(@Body() body: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create(body), this.clock.now());
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateUser', summary: 'Update a user' })
  @ApiErrors(404)
  @Roles(Role.Admin)
  @ApiOkResponse({ type: UserDto })
  async update(@UuidParam() id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.update(id, body), this.clock.now());
  }

  @Post(':id/deactivate')
  @ApiOperation({ operationId: 'deactivateUser', summary: 'Deactivate a user (ends their sessions)' })
  @ApiErrors(404, { status: 409, description: 'You cannot deactivate your own account' })
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
  @ApiOperation({ operationId: 'reactivateUser', summary: 'Reactivate a user' })
  @ApiErrors(404)
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
