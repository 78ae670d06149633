import { registerDecorator, ValidationOptions } from 'class-validator';

/** A URL whose protocol is one of `protocols` and that names a host. */
export function IsConnectionUrl(protocols: string[], options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isConnectionUrl',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: {
        message: `$property must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} and naming a host`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return protocols.includes(url.protocol) && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
      },
    });
  };
}
