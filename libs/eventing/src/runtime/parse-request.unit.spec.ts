import { z } from 'zod';
import { InvalidRequest, requestParser } from './parse-request';

describe('requestParser', () => {
  const parse = requestParser('TOKEN');
  const schema = z.object({ userId: z.string().min(1), page: z.object({ size: z.number() }).optional() });

  it('returns the parsed request', () => {
    expect(parse(schema, { userId: 'user-1', extra: true })).toEqual({ userId: 'user-1' });
  });

  it("throws the service's INVALID_REQUEST naming the first bad field", () => {
    const err = (() => {
      try {
        parse(schema, { userId: 'user-1', page: { size: 'x' } });
      } catch (e) {
        return e;
      }
    })() as InvalidRequest;
    expect(err).toBeInstanceOf(InvalidRequest);
    expect(err.code).toBe('TOKEN.INVALID_REQUEST');
    expect(err.message).toMatch(/^page\.size: /);
    expect(err.details).toEqual({ attribute: 'page.size' });
  });

  it('names the request itself when the body is not an object', () => {
    expect(() => parse(schema, 'junk')).toThrow(/^request: /);
  });
});
