import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createGatewayTestApp } from '../testing/gateway-test-app';

describe('ping, discovery, headers and docs', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createGatewayTestApp();
  });
  afterAll(() => app.close());

  const tfcHeaders = {
    'tfp-api-version': '2.5',
    'tfp-appname': 'Terraform Enterprise',
    'x-ratelimit-limit': '30',
  };

  describe('GET /api/v2/ping', () => {
    it.each([
      ['without a token', {}],
      ['with an invalid token', { authorization: 'Bearer nope.atlasv1.nope' }],
      [
        'as go-tfe sends it',
        { authorization: 'Bearer x', accept: 'application/vnd.api+json', 'user-agent': 'go-tfe' },
      ],
    ])('answers 204 with the TFC headers %s', async (_, headers) => {
      const res = await app.inject({ method: 'GET', url: '/api/v2/ping', headers });
      expect(res.statusCode).toBe(204);
      expect(res.headers).toMatchObject(tfcHeaders);
      expect(res.body).toBe('');
    });

    it('answers HEAD too', async () => {
      const res = await app.inject({ method: 'HEAD', url: '/api/v2/ping' });
      expect(res.statusCode).toBe(204);
      expect(res.headers).toMatchObject(tfcHeaders);
    });
  });

  it('GET /.well-known/terraform.json is plain JSON advertising the TFE API', async () => {
    const res = await app.inject({ url: '/.well-known/terraform.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ 'tfe.v2': '/api/v2/', 'tfe.v2.1': '/api/v2/', 'tfe.v2.2': '/api/v2/' });
    expect(res.headers).toMatchObject(tfcHeaders);
  });

  it('every response carries the TFC headers: errors, docs, static assets', async () => {
    for (const url of ['/api/v2/nope', '/api/docs-json', '/api/docs', '/api/docs/swagger-ui.css'])
      expect((await app.inject({ url })).headers).toMatchObject(tfcHeaders);
  });

  describe('OpenAPI', () => {
    it('/api/docs-json is the document generated from the controllers, ping included', async () => {
      const res = await app.inject({ url: '/api/docs-json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info).toMatchObject({ title: 'Identity platform API', version: '2.5' });
      expect(doc.paths['/api/v2/ping'].get.responses['204']).toBeDefined();
      expect(doc.paths['/.well-known/terraform.json'].get).toBeDefined();
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    });

    it('/api/docs serves Swagger UI and its assets on Fastify', async () => {
      const html = await app.inject({ url: '/api/docs' });
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toMatch(/^text\/html/);
      expect(html.body).toContain('swagger-ui');
      const init = await app.inject({ url: '/api/docs/swagger-ui-init.js' });
      expect(init.statusCode).toBe(200);
      expect(init.body).toContain('/api/v2/ping');
      for (const asset of ['/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js'])
        expect((await app.inject({ url: asset })).statusCode).toBe(200);
    });
  });
});

describe('configured headers', () => {
  it('come from the gateway configuration', async () => {
    const app = await createGatewayTestApp({
      config: {
        appName: 'HCP Terraform',
        rateLimit: 60,
        tfeVersion: 'v202507-1',
        tfeNumericVersion: '1.1.0',
      },
    });
    try {
      const res = await app.inject({ url: '/api/v2/ping' });
      expect(res.headers).toMatchObject({
        'tfp-api-version': '2.5',
        'tfp-appname': 'HCP Terraform',
        'x-ratelimit-limit': '60',
        'x-tfe-version': 'v202507-1',
        'x-tfe-current-version': '1.1.0',
      });
    } finally {
      await app.close();
    }
  });

  it('TFE version headers are absent unless configured', async () => {
    const app = await createGatewayTestApp();
    try {
      const res = await app.inject({ url: '/api/v2/ping' });
      expect(res.headers['x-tfe-version']).toBeUndefined();
      expect(res.headers['x-tfe-current-version']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
