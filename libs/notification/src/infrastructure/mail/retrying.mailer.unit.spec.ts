import {
  type MailReceipt,
  type Mailer,
  type OutgoingMail,
  PermanentMailError,
  TransientMailError,
} from './mailer.port';
import { RetryingMailer } from './retrying.mailer';

const mail: OutgoingMail = {
  to: 'a@example.com',
  subject: 's',
  text: 't',
  html: '<p>t</p>',
  idempotencyKey: 'k',
};
const receipt: MailReceipt = {
  messageId: '<x@y>',
  accepted: ['a@example.com'],
  response: '250 OK',
  duplicate: false,
};

/** A mailer that plays back `outcomes` (an error to throw, or success) and counts calls. */
const scripted = (...outcomes: (Error | 'ok')[]) => {
  const inner = {
    calls: 0,
    closed: false,
    async send(): Promise<MailReceipt> {
      const outcome = outcomes[inner.calls++] ?? 'ok';
      if (outcome === 'ok') return receipt;
      throw outcome;
    },
    async close() {
      inner.closed = true;
    },
  };
  return inner;
};

const recordSleeps = () => {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
};

describe('RetryingMailer', () => {
  it('retries transient failures and returns the eventual receipt', async () => {
    const inner = scripted(new TransientMailError('refused'), new TransientMailError('451'), 'ok');
    const { sleeps, sleep } = recordSleeps();
    await expect(new RetryingMailer(inner, { sleep }).send(mail)).resolves.toBe(receipt);
    expect(inner.calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after `attempts` tries with the last transient error', async () => {
    const last = new TransientMailError('still down');
    const inner = scripted(new TransientMailError('down'), new TransientMailError('down'), last);
    const { sleeps, sleep } = recordSleeps();
    await expect(new RetryingMailer(inner, { attempts: 3, sleep }).send(mail)).rejects.toBe(last);
    expect(inner.calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('never retries a permanent failure or an error that is not a MailError', async () => {
    for (const error of [new PermanentMailError('550 unknown mailbox'), new TypeError('a bug')]) {
      const inner = scripted(error);
      const { sleeps, sleep } = recordSleeps();
      await expect(new RetryingMailer(inner, { attempts: 5, sleep }).send(mail)).rejects.toBe(error);
      expect(inner.calls).toBe(1);
      expect(sleeps).toEqual([]);
    }
  });

  it('attempts: 1 means a single try', async () => {
    const inner = scripted(new TransientMailError('down'));
    await expect(new RetryingMailer(inner, { attempts: 1 }).send(mail)).rejects.toBeInstanceOf(
      TransientMailError,
    );
    expect(inner.calls).toBe(1);
  });

  it('backs off exponentially with equal jitter, capped', async () => {
    const at = (random: number) =>
      new RetryingMailer(scripted(), { baseDelayMs: 100, maxDelayMs: 1000, random: () => random });
    // retry n waits within [cap/2, cap], cap = min(1000, 100·2^(n-1))
    expect([1, 2, 3, 4, 5, 6].map((n) => at(0).delayBefore(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => at(0.999999).delayBefore(n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('reports each retry before waiting', async () => {
    const error = new TransientMailError('451');
    const seen: unknown[] = [];
    const mailer = new RetryingMailer(scripted(error, 'ok'), {
      baseDelayMs: 10,
      random: () => 0.5,
      sleep: async () => undefined,
      onRetry: (info) => seen.push(info),
    });
    await mailer.send(mail);
    expect(seen).toEqual([{ attempt: 1, delayMs: 8, error }]);
  });

  it('really waits with the default sleep', async () => {
    const started = Date.now();
    await new RetryingMailer(scripted(new TransientMailError('x'), 'ok'), { baseDelayMs: 40 }).send(mail);
    expect(Date.now() - started).toBeGreaterThanOrEqual(19);
  });

  it('closes what it wraps', async () => {
    const inner = scripted();
    await new RetryingMailer(inner).close();
    expect(inner.closed).toBe(true);
    await new RetryingMailer({ send: async () => receipt } as Mailer).close();
  });

  it('rejects nonsensical bounds', () => {
    expect(() => new RetryingMailer(scripted(), { attempts: 0 })).toThrow(RangeError);
    expect(() => new RetryingMailer(scripted(), { baseDelayMs: -1 })).toThrow(RangeError);
  });
});
