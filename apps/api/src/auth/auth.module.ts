import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { RateLimiter } from '../common/rate-limiter';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [JwtModule.register({})],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    PasswordHasher,
    RateLimiter,
    // Every route of every module passes this guard; @Public() opts out, @Roles() says who may call.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
  ],
  exports: [PasswordHasher, AuthService, RateLimiter],
})
export class AuthModule {}
