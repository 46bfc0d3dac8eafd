import { linkTo, requestUrlOf } from './request-url';

describe('request URLs', () => {
  it('take the origin from protocol and Host, the path as sent and the decoded query', () => {
    expect(
      requestUrlOf({ url: '/api/v2/users?x=a%2Cb&y=1&y=2', protocol: 'https', host: 'tfe.example:8443' }),
    ).toEqual({
      origin: 'https://tfe.example:8443',
      path: '/api/v2/users',
      query: [
        ['x', 'a,b'],
        ['y', '1'],
        ['y', '2'],
      ],
    });
  });

  it('prefer the configured public origin', () => {
    expect(
      requestUrlOf({ url: '/a', protocol: 'http', host: 'evil.example' }, 'https://tfe.example').origin,
    ).toBe('https://tfe.example');
  });

  it('never throw on odd input: a bad Host falls back to localhost, a path like //host stays a path', () => {
    expect(requestUrlOf({ url: '/a', host: 'bad host[' }).origin).toBe('http://localhost');
    expect(requestUrlOf({ url: '/a' }).origin).toBe('http://localhost');
    expect(requestUrlOf({ url: '//other.example/x?q=1', host: 'tfe.example' })).toMatchObject({
      origin: 'http://tfe.example',
      path: '//other.example/x',
    });
  });

  it('link to the same path with parameters replaced, sorted and encoded', () => {
    const url = requestUrlOf({ url: '/api/v2/x?z=1&page%5Bnumber%5D=4&a=%5B%5D', host: 'h' });
    expect(linkTo(url, { 'page[number]': 1 })).toBe('http://h/api/v2/x?a=%5B%5D&page%5Bnumber%5D=1&z=1');
    expect(linkTo(requestUrlOf({ url: '/p', host: 'h' }))).toBe('http://h/p');
  });
});
