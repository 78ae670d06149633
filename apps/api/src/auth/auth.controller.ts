import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { ROLES } from '@registry/domain';
import { ApiErrors } from '@registry/platform';
import type { Actor } from './actor';
import { ChangePasswordDto, LoginDto, MeDto, RefreshTokenDto, TokensDto } from './auth.dto';
import { AuthService } from './auth.service';
import { LoginAttempt } from '../common/throttling/api-throttler.guard';
import { CurrentActor, Public, Roles } from './decorators';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @ApiOperation({ operationId: 'logIn', summary: 'Log in with e-mail and password', security: [] })
  @ApiErrors(
    400,
    { status: 401, description: 'Wrong credentials, locked or inactive account' },
    { status: 429, description: 'Too many attempts from this IP address' },
  )
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TokensDto })
  @LoginAttempt()
  login(@Body() body: LoginDto): Promise<TokensDto> {
    return this.auth.login(body.email, body.password);
  }

  @Public()
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Exchange a refresh token for new tokens',
    security: [],
  })
  @ApiErrors(400, { status: 401, description: 'The refresh token is unknown, spent or expired' })
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: TokensDto,
    description: 'A new access token and a new refresh token (the old one is spent)',
  })
  refresh(@Body() body: RefreshTokenDto): Promise<TokensDto> {
    return this.auth.refresh(body.refreshToken);
  }

  @Public()
  @ApiOperation({ operationId: 'logOut', summary: 'End the session of a refresh token', security: [] })
  @ApiErrors(400)
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session of this refresh token is ended' })
  async logout(@Body() body: RefreshTokenDto): Promise<void> {
    await this.auth.logout(body.refreshToken);
  }

  @Get('me')
  @ApiOperation({
    operationId: 'getMe',
    summary: "The caller's own account: role, sites and sponsor organisation",
  })
  @ApiErrors(400, 401)
  @Roles(...ROLES)
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeDto })
  me(@CurrentActor() actor: Actor): MeDto {
    return {
      id: actor.userId,
      email: actor.email,
      displayName: actor.displayName,
      role: actor.role,
      siteIds: actor.siteIds,
      sponsorOrganisationId: actor.sponsorOrganisationId,
    };
  }

  @Post('password')
  @ApiOperation({ operationId: 'changePassword', summary: 'Change your password (ends your other sessions)' })
  @ApiErrors(400, 401)
  @Roles(...ROLES)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Password changed; other sessions are ended' })
  async changePassword(@CurrentActor() actor: Actor, @Body() body: ChangePasswordDto): Promise<void> {
    await this.auth.changePassword(actor, body.currentPassword, body.newPassword);
  }
}
