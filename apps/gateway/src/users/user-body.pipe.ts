import { Injectable, PipeTransform, Type } from '@nestjs/common';
import { InvalidRequest } from '@latchkey/oauth';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

/**
 * Validates a JSON object body against a DTO class: unknown fields are refused (whitelist +
 * forbidNonWhitelisted), and the first problem becomes invalid_request naming the field.
 */
@Injectable()
export class UserBodyPipe<T extends object> implements PipeTransform<object, Promise<T>> {
  constructor(private readonly dto: Type<T>) {}

  async transform(body: object): Promise<T> {
    const instance = plainToInstance(this.dto, body);
    const errors = await validate(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
    });
    if (errors.length > 0) throw new InvalidRequest(describeError(errors[0]!));
    return instance;
  }
}

function describeError(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation !== undefined) {
    return `unknown field ${printableField(error.property)}`;
  }
  return Object.values(constraints)[0] ?? `${printableField(error.property)} is not valid`;
}

/**
 * An unknown field's name is the caller's text: keep what an error_description may hold
 * (RFC 6749 §5.2) and a sane length.
 */
function printableField(name: string): string {
  const printable = name.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 64);
  return printable === '' ? '(empty name)' : printable;
}
