import { parseIntegrationEvent } from './integration-event';
import { consumerGroup, eventsTopic } from './topics';

describe('integration event envelope', () => {
  const valid = {
    id: '01890a5d-ac96-774b-bcce-b302099a8057',
    type: 'AccountRegistered',
    schemaVersion: 1,
    stream: 'account-1',
    revision: 0,
    position: '42',
    occurredAt: '2026-01-01T00:00:00.000Z',
    data: { username: 'ada' },
    metadata: { correlationId: 'c' },
  };

  it('parses a relayed message from JSON text', () => {
    expect(parseIntegrationEvent(JSON.stringify(valid))).toEqual(valid);
  });

  it('refuses a message whose position is not a decimal string, naming the field', () => {
    expect(() => parseIntegrationEvent({ ...valid, position: 42 })).toThrow(/position/);
  });

  it('names topics and consumer groups per service', () => {
    expect(eventsTopic('identity')).toBe('identity.events');
    expect(consumerGroup('membership')).toBe('membership.main');
  });
});
