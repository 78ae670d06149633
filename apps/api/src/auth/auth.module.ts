import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { Environment } from '@registry/config';
import {
  ClientThrottlerGuard,
  UserThrottlerGuard,
  throttlerOptions,
} from '../common/throttling/api-throttler.guard';
import { RedisThrottlerStorage, ThrottlerStorageModule } from '../common/throttling/redis-throttler-storage';
import { RateLimiter, RedisRateLimiter } from '../common/rate-limiter';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { Argon2PasswordHasher, PasswordHasher } from './password-hasher';
import { TokenService } from './token.service';

@Global()
@Module({
  imports: [
    JwtModule.register({}),
    UsersModule,
    ThrottlerModule.forRootAsync({
      imports: [ThrottlerStorageModule],
      inject: [Environment, RedisThrottlerStorage],
      useFactory: (config: Environment, storage: RedisThrottlerStorage) => ({
        ...throttlerOptions(config),
        storage,
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenService,
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: RateLimiter, useClass: RedisRateLimiter },
    BootstrapAdminService,
    AuthenticationGuard,
    // Global guards run in this order. First the limits per client address: a request refused for its token
    // still counts against its address (else a flood of bad tokens would never be limited).
    { provide: APP_GUARD, useClass: ClientThrottlerGuard },
    // Every route of every module passes authentication; @Public() opts out, @Roles() says who may call.
    { provide: APP_GUARD, useExisting: AuthenticationGuard },
    // Then the limit per user, which needs the user authentication found.
    { provide: APP_GUARD, useClass: UserThrottlerGuard },
  ],
  exports: [PasswordHasher, AuthService, RateLimiter, AuthenticationGuard],
})
export class AuthModule {}
