/**
 * The URL a request was made to, split for building links: `origin` (scheme, host, port), `path` (as sent,
 * percent-encoded) and the decoded query parameters in order (repeated names kept).
 */
export interface RequestUrl {
  origin: string;
  path: string;
  query: ReadonlyArray<readonly [string, string]>;
}

/** What `requestUrlOf` needs from a request (Fastify's request has it). */
export interface RequestLike {
  url: string;
  protocol?: string;
  host?: string;
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * Builds the `RequestUrl` of a request. `origin` is `publicUrl` when configured; otherwise the request's protocol and
 * Host (Fastify resolves X-Forwarded-* only when the host trusts proxies). A missing or malformed Host falls back
 * to `localhost`, so no client input can make link building throw.
 */
export const requestUrlOf = (req: RequestLike, publicUrl?: string): RequestUrl => {
  // Split by hand: `new URL()` would resolve a path such as `//other.host/x` against another origin.
  const mark = req.url.indexOf('?');
  const path = mark === -1 ? req.url : req.url.slice(0, mark);
  const query =
    mark === -1
      ? []
      : ([...new URLSearchParams(req.url.slice(mark + 1)).entries()] as Array<[string, string]>);
  if (publicUrl) return { origin: publicUrl, path, query };
  const protocol = req.protocol === 'https' ? 'https' : 'http';
  const host = req.host ?? (typeof req.headers?.host === 'string' ? req.headers.host : undefined);
  let origin = `${protocol}://localhost`;
  if (host) {
    try {
      origin = new URL(`${protocol}://${host}`).origin;
    } catch {
      // A Host header that is not a host name; keep the fallback rather than echo it.
    }
  }
  return { origin, path, query };
};

/**
 * An absolute URL for `url.path` with the query parameters replaced as given. Keys are sorted (as Rails'
 * `to_query` does) and both keys and values are percent-encoded, brackets included: `page%5Bnumber%5D=2`.
 */
export const linkTo = (url: RequestUrl, replace: Record<string, string | number> = {}): string => {
  const params: Array<[string, string]> = url.query.filter(([k]) => !(k in replace)) as Array<
    [string, string]
  >;
  for (const [k, v] of Object.entries(replace)) params.push([k, String(v)]);
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${url.origin}${url.path}${qs ? `?${qs}` : ''}`;
};
