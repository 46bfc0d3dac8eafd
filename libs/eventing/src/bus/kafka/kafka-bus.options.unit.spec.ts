import { instanceGroupId, kafkaServerOptions } from './kafka-bus.options';
import type { KafkaBusServer } from './kafka-bus.server';

describe('instanceGroupId', () => {
  it('is <base>.<host>.<pid>.<random>', () => {
    expect(instanceGroupId('gateway.main', { hostname: 'gw-7d9f-abc', pid: 1, random: 'a1b2c3d4' })).toBe(
      'gateway.main.gw-7d9f-abc.1.a1b2c3d4',
    );
  });

  it('differs between two processes on one host, and between two boots of one container (pid 1 again)', () => {
    const a = instanceGroupId('gateway.main', { hostname: 'pod', pid: 1 });
    const b = instanceGroupId('gateway.main', { hostname: 'pod', pid: 1 });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^gateway\.main\.pod\.1\.[0-9a-f]{8}$/);
  });

  it('defaults to this host and pid', () => {
    expect(instanceGroupId('g')).toMatch(new RegExp(`^g\\..+\\.${process.pid}\\.[0-9a-f]{8}$`));
  });

  it('keeps the host part readable and bounded', () => {
    expect(instanceGroupId('g', { hostname: 'my host/ünïcode:8080', pid: 2, random: 'ff' })).toBe(
      'g.my-host-n-code-8080.2.ff',
    );
    expect(instanceGroupId('g', { hostname: 'h'.repeat(300), pid: 3, random: 'ff' })).toBe(
      `g.${'h'.repeat(63)}.3.ff`,
    );
    expect(instanceGroupId('g', { hostname: '', pid: 4, random: 'ff' })).toBe('g.host.4.ff');
  });
});

describe('kafkaServerOptions: where events start', () => {
  const server = (extra: object) =>
    kafkaServerOptions({ brokers: ['127.0.0.1:9'], clientId: 'c', groupId: 'g', ...extra })
      .strategy as KafkaBusServer;
  const subscribe = (s: KafkaBusServer) =>
    (s as unknown as { options: { subscribe?: { fromBeginning?: boolean } } }).options.subscribe;

  it('a new group replays event topics from the earliest record by default (services)', () => {
    expect(subscribe(server({}))).toEqual({ fromBeginning: true });
    expect(subscribe(server({ eventsFrom: 'earliest' }))).toEqual({ fromBeginning: true });
  });

  it("eventsFrom 'latest' starts at the end (per-process groups)", () => {
    expect(subscribe(server({ eventsFrom: 'latest' }))).toEqual({ fromBeginning: false });
  });
});
