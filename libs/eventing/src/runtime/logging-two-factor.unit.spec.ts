import pino from 'pino';
import { SECRET_LOG_PATHS } from './logging';

// Two-factor secrets never reach a log line in clear, wherever a careless log call puts them.
describe('log redaction of two-factor secrets', () => {
  it('redacts TOTP secrets, otpauth URIs, recovery codes and sealed values, top level and one level down', () => {
    const lines: string[] = [];
    const log = pino(
      { redact: { paths: SECRET_LOG_PATHS, censor: '[redacted]' } },
      { write: (chunk: string) => void lines.push(chunk) },
    );
    const values = {
      secret: 'JBSWY3DPEHPK3PXP',
      otpauthUri: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP',
      'otpauth-uri': 'otpauth://totp/y?secret=JBSWY3DPEHPK3PXP',
      code: '123456',
      recoveryCode: 'abcd-efgh-ijkm-npqr',
      'recovery-code': 'abcd-efgh-ijkm-npqs',
      recoveryCodes: ['abcd-efgh-ijkm-npqt'],
      'recovery-codes': ['abcd-efgh-ijkm-npqu'],
      sealedSecret: 'v1.k.iv.sealed-secret',
      sealedCode: 'v1.k.iv.sealed-code',
    };
    log.info(values, 'top');
    log.info({ body: values }, 'nested');
    const out = lines.join('');
    for (const v of ['JBSWY3DPEHPK3PXP', '123456', 'abcd-efgh', 'sealed-secret', 'sealed-code'])
      expect(out).not.toContain(v);
    expect(out.match(/\[redacted\]/g)).toHaveLength(20);
  });
});
