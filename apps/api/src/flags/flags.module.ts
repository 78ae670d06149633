import { Module } from '@nestjs/common';
import { ParticipantsModule } from '../participants/participants.module';
import { FlagsController } from './flags.controller';
import { FlagsService } from './flags.service';
/** Eligibility and one-test-away flags for the sites to act on. */
@Module({
  imports: [ParticipantsModule],
  controllers: [FlagsController],
  providers: [FlagsService],
})
export class FlagsModule {}
