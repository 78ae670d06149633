import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Environment } from '@registry/config';
import { UsersService } from '../users/users.service';

/** On start, creates the first admin from BOOTSTRAP_ADMIN_EMAIL / _PASSWORD if no admin exists yet. */
@Injectable()
export class BootstrapAdminService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    private readonly users: UsersService,
    @Inject(Environment) private readonly config: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD: password } = this.config;
    if (!email || !password) return;
    if (await this.users.ensureBootstrapAdmin(email, password)) {
      this.logger.log({ msg: 'created the first admin from BOOTSTRAP_ADMIN_EMAIL' });
    }
  }
}
