import {
  EARLIEST_CALENDAR_DATE,
  isCalendarDate,
  isWithinCalendarRange,
  LATEST_CALENDAR_DATE,
} from '@registry/domain';
import { ValidateBy, ValidationOptions } from 'class-validator';

/** The valid range of every date in the API, for OpenAPI descriptions. */
export const CALENDAR_DATE_RANGE = `a calendar day as YYYY-MM-DD from ${EARLIEST_CALENDAR_DATE} to ${LATEST_CALENDAR_DATE}`;

/** A string that is a real calendar day (no 2026-02-30) written YYYY-MM-DD, inside the registry's range. */
export function isApiCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && isCalendarDate(value) && isWithinCalendarRange(value);
}

/** The one check of a date field of a request: format, a real day, and the documented range. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isApiCalendarDate(value),
        defaultMessage: (args) => `${args?.property ?? 'date'} must be ${CALENDAR_DATE_RANGE}`,
      },
    },
    options,
  );
}

/** The valid range of every instant (date and time) in the API, for OpenAPI descriptions. */
export const INSTANT_RANGE = `an ISO 8601 date-time whose UTC day is from ${EARLIEST_CALENDAR_DATE} to ${LATEST_CALENDAR_DATE}`;

/**
 * An instant (checked as ISO 8601 by @IsISO8601 beside it) whose UTC day is inside the registry's range:
 * PostgreSQL refuses year 0 and the registry holds nothing outside the range.
 */
export function IsInstantInRange(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'instantInRange',
      validator: {
        validate: (value: unknown) => {
          // A value that is not a date-time at all is @IsISO8601's to report, once.
          const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
          return Number.isNaN(time) || isWithinCalendarRange(new Date(time).toISOString().slice(0, 10));
        },
        defaultMessage: (args) => `${args?.property ?? 'instant'} must be ${INSTANT_RANGE}`,
      },
    },
    options,
  );
}
