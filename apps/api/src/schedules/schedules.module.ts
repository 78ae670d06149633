import { Module } from '@nestjs/common';
import { ParticipantsModule } from '../participants/participants.module';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';
/** Protocols and participants' visit schedules. */
@Module({
  imports: [ParticipantsModule],
  controllers: [SchedulesController],
  providers: [SchedulesService],
})
export class SchedulesModule {}
