import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type AddressObject, simpleParser } from 'mailparser';
import { lastValueFrom } from 'rxjs';
import {
  IDENTITY_SEAL_CONTEXT,
  type IdentityIntegrationEvent,
  MEMBERSHIP_SEAL_CONTEXT,
  type MembershipIntegrationEvent,
} from '@idp/contracts';
import {
  BUS_CLIENT,
  type BusClient,
  EVENT_STORE,
  type EventStore,
  jsonBusRecord,
  loadInfraConfig,
  type RecordedEvent,
  SecretBox,
  startHost,
  toEventMessage,
  uuidv7,
} from '@idp/eventing';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer, uniqueName } from '@idp/testing';
import { DeliveryLog } from './application/deliveries/delivery-log';
import { planAccountMail } from './application/deliver-account-mail/account-mail.plans';
import { DeliverMail } from './application/deliver-mail/deliver-mail.handler';
import { DeliveryInProgress, deliveryStream } from './domain/delivery/delivery.decider';
import { messageIdFor } from './infrastructure/mail';
import { notificationServiceWith } from './notification.module';

// The notification service hosted as in production (embedded configuration: PGlite in memory, in-process bus,
// in-memory read models), fed integration events on `identity.events` and `membership.events` through the bus,
// sending over real SMTP to an in-process server.

const key = randomBytes(32);
const box = new SecretBox([key]);
let position = 1000n;

const identityEvent = (
  event: IdentityIntegrationEvent,
  overrides: Partial<RecordedEvent> = {},
): RecordedEvent => ({
  id: uuidv7(),
  type: event.type,
  data: event.data,
  schemaVersion: 1,
  metadata: { correlationId: 'corr-1' },
  stream: `account-${(event.data as { userId: string }).userId}`,
  revision: 0,
  position: position++,
  occurredAt: new Date(),
  ...overrides,
});

const membershipEvent = (
  event: MembershipIntegrationEvent,
  overrides: Partial<RecordedEvent> = {},
): RecordedEvent => ({
  id: uuidv7(),
  type: event.type,
  data: event.data,
  schemaVersion: 1,
  metadata: { correlationId: 'corr-m' },
  stream: `organization-${(event.data as { organizationId: string }).organizationId}`,
  revision: 0,
  position: position++,
  occurredAt: new Date(),
  ...overrides,
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();

/** An invitation as the membership service issues it: the clear token (for the link) and `MemberInvited`. */
const invitation = (
  over: Partial<Extract<MembershipIntegrationEvent, { type: 'MemberInvited' }>['data']> = {},
  sealWith: string = MEMBERSHIP_SEAL_CONTEXT.invitation,
) => {
  const organizationId = over.organizationId ?? 'org-Acme1234567899';
  const token = `${organizationId}.${randomBytes(32).toString('base64url')}`;
  const event = membershipEvent({
    type: 'MemberInvited',
    data: {
      organizationId,
      organizationName: 'acme',
      membershipId: 'ou-Bob1234567899ab',
      email: 'bob@example.com',
      teamIds: ['team-Dev'],
      invitedBy: 'alice',
      expiresAt: inAWeek(),
      tokenHash: 'f'.repeat(64),
      sealedToken: box.seal(token, sealWith),
      refreshed: false,
      ...over,
    },
  });
  return { token, event };
};

/** A sealed link token, as identity puts it in its events, with the clear token the link must carry. */
const linkToken = (userId: string, context: string) => {
  const token = `${userId}.${randomBytes(32).toString('base64url')}`;
  return { token, sealedToken: box.seal(token, context) };
};

const hostNotification = async (env: Record<string, string>, options = {}) =>
  startHost({
    process: 'notification-spec',
    services: [notificationServiceWith({ env, retry: { attempts: 2, baseDelayMs: 5 }, ...options })],
    consumerGroup: uniqueName('notification'),
    config: loadInfraConfig(env),
  });

/** Emits like a service's relay does, and resolves once the service handled it (`emitAck: 'handled'`). */
const deliver = async (app: NestFastifyApplication, event: RecordedEvent, topic = 'identity.events') => {
  const message = toEventMessage(event);
  await lastValueFrom(
    app.get<BusClient>(BUS_CLIENT).emit(topic, jsonBusRecord(message.key, message.value, message.headers)),
    { defaultValue: undefined },
  );
};
const deliverMembership = (app: NestFastifyApplication, event: RecordedEvent) =>
  deliver(app, event, 'membership.events');

describe('notification service over SMTP (embedded configuration)', () => {
  let smtp: TestSmtpServer;
  let app: NestFastifyApplication;
  let dataDir: string;
  let log: DeliveryLog;

  const mailsFor = (event: RecordedEvent, template: string) =>
    smtp.messages.filter((m) => m.messageId === messageIdFor(`${event.id}:${template}`, 'localhost'));

  const deliveryOf = async (event: RecordedEvent) => {
    await log.catchUp();
    return log.get(event.id);
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'notification-'));
    app = await hostNotification({
      PORT: '0',
      HOST: '127.0.0.1',
      EVENT_STORE_URL: 'pglite://memory',
      DATA_DIR: dataDir,
      SMTP_URL: smtp.url,
      SECRET_KEYS: key.toString('base64'),
      PUBLIC_URL: 'https://tfe.example.com',
      MAIL_MAX_DELIVERY_ATTEMPTS: '3',
    });
    log = app.get(DeliveryLog);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => smtp.reset());

  it('sends the password reset link, with the clear token, to the account address; HTML escaped', async () => {
    const { token, sealedToken } = linkToken('user-1', IDENTITY_SEAL_CONTEXT.passwordReset);
    const event = identityEvent({
      type: 'PasswordResetRequested',
      data: {
        userId: 'user-1',
        username: '<b>ada</b>',
        email: 'ada@example.com',
        sealedToken,
        expiresAt: inAnHour(),
      },
    });
    await deliver(app, event);

    const [mail] = mailsFor(event, 'password-reset') as [ReceivedMail];
    expect(mail.envelope.to).toEqual(['ada@example.com']);
    expect(mail.to).toEqual(['ada@example.com']);
    expect(mail.subject).toBe('Reset your Terraform Platform password');
    const link = `https://tfe.example.com/account/reset-password?token=${encodeURIComponent(token)}`;
    expect(mail.text.split('\n')).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(new URL(link).searchParams.get('token')).toBe(token);
    expect(mail.html).toContain('&lt;b&gt;ada&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>ada</b>');
    expect(mail.text).not.toContain(sealedToken);
    expect(mail.headers['auto-submitted']).toBe('auto-generated');

    expect(await deliveryOf(event)).toMatchObject({
      id: event.id,
      eventType: 'PasswordResetRequested',
      template: 'password-reset',
      userId: 'user-1',
      to: 'ada@example.com',
      status: 'sent',
      attempts: 1,
      messageId: mail.messageId,
      lastError: null,
    });
  }, 30_000);

  it('records deliveries without body or token, caused by and correlated with the event', async () => {
    const { token, sealedToken } = linkToken('user-9', IDENTITY_SEAL_CONTEXT.passwordReset);
    const event = identityEvent({
      type: 'PasswordResetRequested',
      data: {
        userId: 'user-9',
        username: 'nine',
        email: 'nine@example.com',
        sealedToken,
        expiresAt: inAnHour(),
      },
    });
    await deliver(app, event);
    const recorded = await app.get<EventStore>(EVENT_STORE).readStream(deliveryStream(event.id));
    expect(recorded.map((e) => e.type)).toEqual(['DeliveryRequested', 'DeliverySucceeded']);
    const text = JSON.stringify(recorded.map(({ data, metadata }) => ({ data, metadata })));
    expect(text).not.toContain(token);
    expect(text).not.toContain(sealedToken);
    expect(text).not.toContain('Choose a new password');
    expect(recorded[0]!.metadata).toMatchObject({ correlationId: 'corr-1', causationId: event.id });
  }, 30_000);

  it('sends the confirmation link to a new account address', async () => {
    const { token, sealedToken } = linkToken('user-2', IDENTITY_SEAL_CONTEXT.emailConfirmation);
    const event = identityEvent({
      type: 'EmailConfirmationRequested',
      data: {
        userId: 'user-2',
        username: 'grace',
        email: 'grace@example.com',
        sealedToken,
        expiresAt: inAnHour(),
      },
    });
    await deliver(app, event);
    const [mail] = mailsFor(event, 'email-confirmation') as [ReceivedMail];
    expect(mail.envelope.to).toEqual(['grace@example.com']);
    expect(mail.subject).toBe('Confirm your e-mail address for Terraform Platform');
    expect(mail.text).toContain(
      `https://tfe.example.com/account/confirm-email?token=${encodeURIComponent(token)}`,
    );
  }, 30_000);

  it('sends an address change confirmation to the NEW address', async () => {
    const { token, sealedToken } = linkToken('user-3', IDENTITY_SEAL_CONTEXT.emailConfirmation);
    const event = identityEvent({
      type: 'EmailChangeRequested',
      data: {
        userId: 'user-3',
        username: 'linus',
        email: 'new@example.org',
        sealedToken,
        expiresAt: inAnHour(),
      },
    });
    await deliver(app, event);
    const [mail] = mailsFor(event, 'email-change-confirmation') as [ReceivedMail];
    expect(mail.envelope.to).toEqual(['new@example.org']);
    expect(mail.text).toContain('new@example.org');
    expect(mail.text).toContain(`confirm-email?token=${encodeURIComponent(token)}`);
  }, 30_000);

  it('tells the OLD address that the address changed, the new one masked', async () => {
    const event = identityEvent({
      type: 'EmailChanged',
      data: { userId: 'user-4', username: 'ada', from: 'old@example.com', to: 'brand.new@example.org' },
    });
    await deliver(app, event);
    const [mail] = mailsFor(event, 'email-changed') as [ReceivedMail];
    expect(mail.envelope.to).toEqual(['old@example.com']);
    expect(mail.subject).toBe('Your Terraform Platform e-mail address was changed');
    expect(mail.text).toContain('b***@e***.org');
    expect(mail.text).not.toContain('brand.new');
  }, 30_000);

  it.each(['changed', 'reset'] as const)(
    'announces a password %s',
    async (reason) => {
      const event = identityEvent({
        type: 'PasswordChanged',
        data: { userId: 'user-5', username: 'ada', email: 'ada@example.com', reason },
      });
      await deliver(app, event);
      const [mail] = mailsFor(event, 'password-changed') as [ReceivedMail];
      expect(mail.envelope.to).toEqual(['ada@example.com']);
      expect(mail.subject).toBe('Your Terraform Platform password was changed');
      expect(mail.text).toContain('https://tfe.example.com/account/forgot-password');
    },
    30_000,
  );

  it('sends nothing for a password rehashed at login, nor for events that ask for no mail', async () => {
    const rehashed = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-5', username: 'ada', email: 'ada@example.com', reason: 'rehashed' },
    });
    const suspended = identityEvent({ type: 'AccountSuspended', data: { userId: 'user-5' } });
    await deliver(app, rehashed);
    await deliver(app, suspended);
    expect(smtp.messages).toHaveLength(0);
    expect(await deliveryOf(rehashed)).toBeUndefined();
    expect(await app.get<EventStore>(EVENT_STORE).readStream(deliveryStream(rehashed.id))).toEqual([]);
  }, 30_000);

  it('sends one mail for an event delivered twice', async () => {
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-6', username: 'ada', email: 'ada@example.com', reason: 'changed' },
    });
    await deliver(app, event);
    await deliver(app, event);
    expect(mailsFor(event, 'password-changed')).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
  }, 30_000);

  it('sends one mail when two members handle the same event at once: the first claim wins', async () => {
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-7', username: 'ada', email: 'ada@example.com', reason: 'changed' },
    });
    const handler = app.get(DeliverMail);
    const results = await Promise.allSettled([
      handler.handle(event, planAccountMail),
      handler.handle(event, planAccountMail),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(['sent']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(DeliveryInProgress);
    expect(smtp.messages).toHaveLength(1);
    // The loser's redelivery finds the outcome recorded.
    await expect(handler.handle(event, planAccountMail)).resolves.toBe('duplicate');
    expect(smtp.messages).toHaveLength(1);
  }, 30_000);

  it('rides out a 451 with one mail in the end', async () => {
    smtp.failNext(1, 451);
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-8', username: 'ada', email: 'ada@example.com', reason: 'reset' },
    });
    await deliver(app, event);
    expect(smtp.stats).toEqual({ accepted: 1, rejected: 1 });
    expect(mailsFor(event, 'password-changed')).toHaveLength(1);
    expect(await deliveryOf(event)).toMatchObject({ status: 'sent', attempts: 1 });
  }, 30_000);

  it('records a 550 as a permanent failure, without retrying, visible in the delivery log', async () => {
    smtp.failNext(1, 550, { message: 'No such user here' });
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-10', username: 'ada', email: 'nobody@example.com', reason: 'changed' },
    });
    await deliver(app, event);
    expect(smtp.stats).toEqual({ accepted: 0, rejected: 1 });

    const delivery = await deliveryOf(event);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      to: 'nobody@example.com',
      sentAt: null,
      lastError: { code: 'MAIL.PERMANENT', smtpCode: 550 },
    });
    const failed = await log.list({ status: 'failed' });
    expect(failed.map((d) => d.id)).toContain(event.id);
    expect((await log.list({ status: 'sent' })).map((d) => d.id)).not.toContain(event.id);
    expect((await log.countByStatus()).failed).toBeGreaterThanOrEqual(1);

    // A redelivery does not try again.
    await deliver(app, event);
    expect(smtp.stats.rejected).toBe(1);
  }, 30_000);

  it('gives up after the configured attempts when a server keeps answering 451, without blocking the partition', async () => {
    smtp.failNext(100, 451);
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-11', username: 'ada', email: 'ada@example.com', reason: 'changed' },
    });
    await deliver(app, event); // resolves: the bus redelivered twice, then the handler recorded the give-up
    expect(smtp.stats).toEqual({ accepted: 0, rejected: 3 * 2 }); // 3 deliveries × 2 tries of the mailer
    const recorded = await app.get<EventStore>(EVENT_STORE).readStream(deliveryStream(event.id));
    expect(recorded.map((e) => e.type)).toEqual([
      'DeliveryRequested',
      'DeliveryFailedTransiently',
      'DeliveryRequested',
      'DeliveryFailedTransiently',
      'DeliveryRequested',
      'DeliveryFailedTransiently',
      'DeliveryFailedPermanently',
    ]);
    expect(await deliveryOf(event)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: { code: 'NOTIFICATION.ATTEMPTS_EXHAUSTED', smtpCode: 451 },
    });

    smtp.reset();
    const next = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-11', username: 'ada', email: 'ada@example.com', reason: 'changed' },
    });
    await deliver(app, next);
    expect(mailsFor(next, 'password-changed')).toHaveLength(1);
  }, 60_000);

  it('records a token it cannot open, or a link already expired, as permanent failures and sends nothing', async () => {
    const wrongContext = identityEvent({
      type: 'PasswordResetRequested',
      data: {
        userId: 'user-12',
        username: 'ada',
        email: 'ada@example.com',
        sealedToken: linkToken('user-12', IDENTITY_SEAL_CONTEXT.emailConfirmation).sealedToken,
        expiresAt: inAnHour(),
      },
    });
    const expired = identityEvent({
      type: 'EmailConfirmationRequested',
      data: {
        userId: 'user-12',
        username: 'ada',
        email: 'ada@example.com',
        sealedToken: linkToken('user-12', IDENTITY_SEAL_CONTEXT.emailConfirmation).sealedToken,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      },
    });
    const malformed = identityEvent({
      type: 'PasswordResetRequested',
      data: { userId: 'user-12', username: 'ada', email: 'ada@example.com' } as never,
    });
    for (const event of [wrongContext, expired, malformed]) await deliver(app, event);
    expect(smtp.messages).toHaveLength(0);
    expect((await deliveryOf(wrongContext))?.lastError?.code).toBe('CRYPTO.SEALED_VALUE_INVALID');
    expect((await deliveryOf(expired))?.lastError?.code).toBe('NOTIFICATION.LINK_EXPIRED');
    expect((await deliveryOf(malformed))?.lastError).toMatchObject({
      code: 'NOTIFICATION.INVALID_EVENT',
      message: expect.stringContaining('sealedToken'),
    });
  }, 30_000);

  it('after a crash between claim and outcome, waits for the lease, then sends once more', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    const passwordChanged = () =>
      identityEvent({
        type: 'PasswordChanged',
        data: { userId: 'user-13', username: 'ada', email: 'ada@example.com', reason: 'changed' },
      });
    // What a member that claimed the delivery and then died leaves behind.
    const abandonedClaim = (event: RecordedEvent, leaseUntil: string) =>
      store.append(
        deliveryStream(event.id),
        [
          {
            type: 'DeliveryRequested',
            data: {
              eventId: event.id,
              eventType: event.type,
              template: 'password-changed',
              userId: 'user-13',
              to: 'ada@example.com',
              attempt: 1,
              reason: 'first',
              leaseUntil,
              requestedAt: new Date().toISOString(),
            },
          },
        ],
        'no_stream',
      );

    const held = passwordChanged();
    await abandonedClaim(held, inAnHour());
    await expect(app.get(DeliverMail).handle(held, planAccountMail)).rejects.toBeInstanceOf(
      DeliveryInProgress,
    );
    expect(smtp.messages).toHaveLength(0);

    const expired = passwordChanged();
    await abandonedClaim(expired, new Date(Date.now() - 1).toISOString());
    await deliver(app, expired);
    expect(mailsFor(expired, 'password-changed')).toHaveLength(1);
    expect(await deliveryOf(expired)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await store.readStream(deliveryStream(expired.id)))[1]?.data).toMatchObject({
      attempt: 2,
      reason: 'lease-expired',
    });
  }, 30_000);

  it('drops a message that is not an event envelope instead of blocking its partition', async () => {
    await lastValueFrom(app.get<BusClient>(BUS_CLIENT).emit('identity.events', { hello: 'world' }), {
      defaultValue: undefined,
    });
    const event = identityEvent({
      type: 'PasswordChanged',
      data: { userId: 'user-14', username: 'ada', email: 'ada@example.com', reason: 'changed' },
    });
    await deliver(app, event);
    expect(mailsFor(event, 'password-changed')).toHaveLength(1);
  }, 30_000);

  describe('invitations (membership.events)', () => {
    it('sends the invitation to the invited address: inviter, organization, expiry and ONE link with the clear token', async () => {
      const { token, event } = invitation({ organizationName: '<i>acme</i>', email: 'Bob@Example.com' });
      await deliverMembership(app, event);

      const [mail] = mailsFor(event, 'invitation') as [ReceivedMail];
      expect(mail.envelope.to).toEqual(['Bob@example.com']); // the domain part lower-cased by nodemailer
      expect(mail.subject).toBe('You have been invited to join <i>acme</i> on Terraform Platform');
      const link = `https://tfe.example.com/invitations/${encodeURIComponent(token)}`;
      expect(mail.text.split('\n')).toContain(link);
      expect(mail.text).toContain('alice invited you (Bob@Example.com) to join the organization <i>acme</i>');
      const data = event.data as { expiresAt: string };
      expect(mail.text).toContain(
        `The invitation expires on ${data.expiresAt.slice(0, 16).replace('T', ' ')} UTC (7 days after it was sent).`,
      );
      // One link, twice in the HTML part (button and copyable text), nothing else to click.
      expect([...String(mail.html).matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([link, link]);
      expect(mail.html).toContain('&lt;i&gt;acme&lt;/i&gt;');
      expect(mail.html).not.toContain('<i>acme</i>');
      // The link carries the token whole: what GET /invitations/:token and the sign-up expect.
      expect(decodeURIComponent(new URL(link).pathname.split('/').pop()!)).toBe(token);
      expect(mail.text).not.toContain((event.data as { sealedToken: string }).sealedToken);

      expect(await deliveryOf(event)).toMatchObject({
        id: event.id,
        eventType: 'MemberInvited',
        template: 'invitation',
        userId: '',
        to: 'Bob@Example.com',
        status: 'sent',
        attempts: 1,
        messageId: mail.messageId,
      });
      const recorded = await app.get<EventStore>(EVENT_STORE).readStream(deliveryStream(event.id));
      expect(recorded.map((e) => e.type)).toEqual(['DeliveryRequested', 'DeliverySucceeded']);
      expect(JSON.stringify(recorded.map(({ data, metadata }) => ({ data, metadata })))).not.toContain(token);
      expect(recorded[0]!.metadata).toMatchObject({ correlationId: 'corr-m', causationId: event.id });
    }, 30_000);

    it('names "An organization administrator" when an organization token invited', async () => {
      const { event } = invitation({ invitedBy: null });
      await deliverMembership(app, event);
      const [mail] = mailsFor(event, 'invitation') as [ReceivedMail];
      expect(mail.text).toContain('An organization administrator invited you (bob@example.com)');
    }, 30_000);

    it('sends one mail for a redelivered invite, and a new mail with the new link for each refreshed re-invite', async () => {
      const first = invitation();
      await deliverMembership(app, first.event);
      await deliverMembership(app, first.event);
      expect(mailsFor(first.event, 'invitation')).toHaveLength(1);

      const again = invitation({ refreshed: true });
      await deliverMembership(app, again.event);
      await deliverMembership(app, again.event);
      const [mail] = mailsFor(again.event, 'invitation') as [ReceivedMail];
      expect(mailsFor(again.event, 'invitation')).toHaveLength(1);
      expect(mail.text).toContain(encodeURIComponent(again.token));
      expect(mail.text).not.toContain(encodeURIComponent(first.token));
      expect(mail.text).toContain('This invitation replaces an earlier one');
      expect(smtp.messages).toHaveLength(2);
    }, 30_000);

    it('records an unopenable, expired, foreign or malformed invitation as failed, and sends nothing', async () => {
      const wrongContext = invitation({}, IDENTITY_SEAL_CONTEXT.emailConfirmation).event;
      const expired = invitation({ expiresAt: new Date(Date.now() - 1000).toISOString() }).event;
      const foreign = invitation();
      const otherOrganization = membershipEvent({
        type: 'MemberInvited',
        data: {
          ...(foreign.event.data as Extract<MembershipIntegrationEvent, { type: 'MemberInvited' }>['data']),
          organizationId: 'org-Other123456789a',
        },
      });
      const malformed = membershipEvent({
        type: 'MemberInvited',
        data: { organizationId: 'org-X', email: 'bob@example.com' } as never,
      });
      for (const event of [wrongContext, expired, otherOrganization, malformed])
        await deliverMembership(app, event);
      expect(smtp.messages).toHaveLength(0);
      expect((await deliveryOf(wrongContext))?.lastError?.code).toBe('CRYPTO.SEALED_VALUE_INVALID');
      expect((await deliveryOf(expired))?.lastError?.code).toBe('NOTIFICATION.LINK_EXPIRED');
      expect((await deliveryOf(otherOrganization))?.lastError).toMatchObject({
        code: 'NOTIFICATION.INVALID_EVENT',
        message: expect.stringContaining('organizationId'),
      });
      expect(JSON.stringify(await deliveryOf(otherOrganization))).not.toContain(foreign.token);
      expect((await deliveryOf(malformed))?.lastError?.code).toBe('NOTIFICATION.INVALID_EVENT');
    }, 30_000);

    it('sends nothing for membership events that ask for no mail, and drops what is not an envelope', async () => {
      const accepted = membershipEvent({
        type: 'InvitationAccepted',
        data: {
          organizationId: 'org-Acme1234567899',
          organizationName: 'acme',
          membershipId: 'ou-Bob1234567899ab',
          userId: 'user-Bob',
          email: 'bob@example.com',
          via: 'sign-up',
        },
      });
      await deliverMembership(app, accepted);
      await lastValueFrom(app.get<BusClient>(BUS_CLIENT).emit('membership.events', { not: 'an envelope' }), {
        defaultValue: undefined,
      });
      expect(smtp.messages).toHaveLength(0);
      expect(await deliveryOf(accepted)).toBeUndefined();
      const { event } = invitation();
      await deliverMembership(app, event);
      expect(mailsFor(event, 'invitation')).toHaveLength(1);
    }, 30_000);
  });

  it('counts sent and failed mails by template in /metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /notification_mails_sent_total\{template="password-reset",service="notification-spec"\} [1-9]/,
    );
    expect(res.body).toMatch(
      /notification_mail_failures_total\{template="password-changed",kind="permanent",service="notification-spec"\} [1-9]/,
    );
    expect(res.body).toMatch(
      /notification_mail_failures_total\{template="password-changed",kind="transient",service="notification-spec"\} [1-9]/,
    );
    expect(res.body).toMatch(/notification_deliveries\{status="failed",service="notification-spec"\} [1-9]/);
    expect(res.body).toMatch(
      /notification_mails_sent_total\{template="invitation",service="notification-spec"\} [1-9]/,
    );
    expect(res.body).toMatch(/notification_messages_invalid_total\{service="notification-spec"\} 2/);
  });
});

describe('notification service without SMTP_URL (embedded outbox)', () => {
  let app: NestFastifyApplication;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'notification-outbox-'));
    const collect = (message: unknown) => void lines.push(String(message));
    jest.spyOn(Logger.prototype, 'log').mockImplementation(collect);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(collect);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(collect);
    app = await hostNotification({
      PORT: '0',
      HOST: '127.0.0.1',
      EVENT_STORE_URL: 'pglite://memory',
      DATA_DIR: dataDir,
      SECRET_KEYS: key.toString('base64'),
    });
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('writes the mail to $DATA_DIR/outbox and logs its path, once per event', async () => {
    const { token, sealedToken } = linkToken('user-20', IDENTITY_SEAL_CONTEXT.passwordReset);
    const event = identityEvent({
      type: 'PasswordResetRequested',
      data: {
        userId: 'user-20',
        username: 'ada',
        email: 'ada@example.com',
        sealedToken,
        expiresAt: inAnHour(),
      },
    });
    await deliver(app, event);
    await deliver(app, event);

    const outbox = join(dataDir, 'outbox');
    const files = await readdir(outbox);
    const name = `${messageIdFor(`${event.id}:password-reset`, 'localhost').slice(1).split('@')[0]}.eml`;
    expect(files).toEqual([name]);
    const mail = await simpleParser(await readFile(join(outbox, name)));
    expect((mail.to as AddressObject).text).toBe('ada@example.com');
    // Default PUBLIC_URL: http://localhost:<PORT>, and 3000 when the port is chosen by the system (PORT=0).
    expect(mail.text).toContain(
      `http://localhost:3000/account/reset-password?token=${encodeURIComponent(token)}`,
    );
    const written = lines.filter((l) => l.includes('mail written to outbox'));
    expect(written).toEqual([expect.stringContaining(join(outbox, name))]);
    expect(written[0]).not.toContain(token);
  }, 30_000);

  it('writes the invitation to the outbox once, and logs neither its token nor its link', async () => {
    const { token, event } = invitation({ email: 'carol@example.com' });
    await deliverMembership(app, event);
    await deliverMembership(app, event);
    // One that fails (expired) logs an error line: the token must not be in it either.
    const expired = invitation({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    await deliverMembership(app, expired.event);

    const name = `${messageIdFor(`${event.id}:invitation`, 'localhost').slice(1).split('@')[0]}.eml`;
    const files = await readdir(join(dataDir, 'outbox'));
    expect(files.filter((f) => f === name)).toHaveLength(1);
    const mail = await simpleParser(await readFile(join(dataDir, 'outbox', name)));
    expect((mail.to as AddressObject).text).toBe('carol@example.com');
    expect(mail.subject).toBe('You have been invited to join acme on Terraform Platform');
    expect(mail.text).toContain(`http://localhost:3000/invitations/${encodeURIComponent(token)}`);
    expect(lines.some((l) => l.includes('invitation mail for event') && l.includes('LINK_EXPIRED'))).toBe(
      true,
    );
    for (const secret of [token, token.split('.')[1]!, expired.token, expired.token.split('.')[1]!])
      for (const line of lines) expect(line).not.toContain(secret);
  }, 30_000);
});
