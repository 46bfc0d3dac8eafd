import type { z } from 'zod';
import {
  escapePointer,
  INVALID_ATTRIBUTE,
  type JsonApiErrorObject,
  titleForStatus,
} from '../errors/json-api-error';
import { type AttributeCase, wireCase } from '../jsonapi/keys';

type RawIssue = Parameters<z.core.$ZodErrorMap>[0];

const plural = (n: number | bigint, word: string) => `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  date: 'a date',
  null: 'null',
};

/**
 * Default messages in Rails' words (`can't be blank`, `is too long (maximum is 64 characters)`), written as the
 * predicate of a sentence whose subject is the attribute. Messages set on a schema (`.regex(re, 'can only
 * contain letters')`) take precedence over this map, so write them the same way.
 */
export const railsErrorMap: z.core.$ZodErrorMap = (issue: RawIssue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null) return "can't be blank";
      return `must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_big':
      if (issue.origin === 'string')
        return issue.exact
          ? `is the wrong length (should be ${plural(issue.maximum, 'character')})`
          : `is too long (maximum is ${plural(issue.maximum, 'character')})`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `is too long (maximum is ${plural(issue.maximum, 'item')})`;
      if (issue.origin === 'date') return 'is too late';
      return `must be less than ${issue.inclusive ? 'or equal to ' : ''}${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string') {
        if (Number(issue.minimum) <= 1 && !issue.exact) return "can't be blank";
        return issue.exact
          ? `is the wrong length (should be ${plural(issue.minimum, 'character')})`
          : `is too short (minimum is ${plural(issue.minimum, 'character')})`;
      }
      if (issue.origin === 'array' || issue.origin === 'set')
        return Number(issue.minimum) <= 1
          ? "can't be blank"
          : `is too short (minimum is ${plural(issue.minimum, 'item')})`;
      if (issue.origin === 'date') return 'is too early';
      return `must be greater than ${issue.inclusive ? 'or equal to ' : ''}${issue.minimum}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_value':
      return 'is not included in the list';
    case 'unrecognized_keys':
      return 'is not a recognized attribute';
    default:
      return 'is invalid';
  }
};

/** `password_confirmation` → `Password confirmation`, `two-factor` → `Two factor`. */
export const humanize = (wireName: string): string => {
  const words = wireName.replace(/[-_]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Value';
};

/** A message that is already a sentence (starts with a capital) is kept; a predicate gets the attribute as subject. */
const sentence = (subject: string | undefined, message: string): string => {
  if (/^[A-Z]/.test(message) || subject === undefined)
    return message[0] ? message[0].toUpperCase() + message.slice(1) : message;
  return `${subject} ${message}`;
};

interface Located {
  path: PropertyKey[];
  message: string;
}

/** Issues with `unrecognized_keys` split into one issue per key, so each key gets its own error object. */
const locate = (issues: readonly z.core.$ZodIssue[]): Located[] =>
  issues.flatMap((issue): Located[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key], message: issue.message }))
      : [{ path: issue.path, message: issue.message }],
  );

const unique = (errors: JsonApiErrorObject[]): JsonApiErrorObject[] => {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = JSON.stringify([e.source, e.detail]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/**
 * 422 error objects for attribute issues: `source.pointer` is `<prefix>/<wire-name>[/<index or wire-name>...]`,
 * `detail` a sentence about the innermost attribute (`Username is too long (maximum is 40 characters)`). Schema keys
 * are camelCase and written in the wire case, or kept as they are with `case: 'as-is'`.
 */
export const attributeErrors = (
  issues: readonly z.core.$ZodIssue[],
  options: { prefix: string; case?: AttributeCase | 'as-is'; status?: number; title?: string },
): JsonApiErrorObject[] => {
  const status = options.status ?? 422;
  return unique(
    locate(issues).map(({ path, message }) => {
      const tokens = path.map((p) =>
        typeof p === 'number' || options.case === 'as-is' ? String(p) : wireCase(String(p), options.case),
      );
      const subject = [...tokens].reverse().find((t) => !/^\d+$/.test(t));
      return {
        status: String(status),
        title: options.title ?? (status === 422 ? INVALID_ATTRIBUTE : titleForStatus(status)),
        detail: sentence(subject === undefined ? undefined : humanize(subject), message),
        source: { pointer: `${options.prefix}${tokens.map((t) => `/${escapePointer(t)}`).join('')}` },
      };
    }),
  );
};

/** 400 error objects for query-parameter issues: `source.parameter` is the parameter name as sent. */
export const parameterErrors = (issues: readonly z.core.$ZodIssue[]): JsonApiErrorObject[] =>
  unique(
    locate(issues).map(({ path, message }) => {
      const parameter = path.length > 0 ? path.map(String).join('.') : undefined;
      return {
        status: '400',
        title: titleForStatus(400),
        detail: sentence(parameter, message),
        ...(parameter ? { source: { parameter } } : {}),
      };
    }),
  );
