import { KafkaHeaders, KafkaParser } from '@nestjs/microservices';
import {
  BusJsonRequestDeserializer,
  BusJsonResponseDeserializer,
  BusJsonSerializer,
  decodeHeadersLikeKafkaParser,
  decodeLikeKafkaParser,
} from './bus-json.serializer';
import { busRecord, jsonBusRecord } from './bus-record';

describe('bus JSON serialization', () => {
  const serializer = new BusJsonSerializer();
  const request = new BusJsonRequestDeserializer();
  const response = new BusJsonResponseDeserializer();
  const roundTrip = (data: unknown) => {
    const record = serializer.serialize(data);
    return request.deserialize(
      { ...record, value: record.value === null ? null : Buffer.from(record.value) },
      { channel: 't' },
    ).data;
  };

  it('writes every payload as JSON and reads it back as the same JSON value', () => {
    expect(roundTrip('[1]')).toBe('[1]');
    expect(roundTrip(42)).toBe(42);
    expect(roundTrip(false)).toBe(false);
    expect(roundTrip({ big: 2n ** 70n, at: new Date(0), skip: undefined })).toEqual({
      big: '1180591620717411303424',
      at: '1970-01-01T00:00:00.000Z',
    });
    // A bigint deep inside (the plain JSON.stringify throws on it; the encoder then writes it in decimal), and a
    // toJSON that returns one.
    expect(
      roundTrip({ a: [{ b: { position: 5n } }], c: { toJSON: () => 7n }, d: 'x', at: new Date(0) }),
    ).toEqual({ a: [{ b: { position: '5' } }], c: '7', d: 'x', at: '1970-01-01T00:00:00.000Z' });
    // A payload with key/value fields is data, not an envelope (Nest's default serializer would take it apart).
    expect(serializer.serialize({ key: 'k', value: 1 })).toEqual({
      key: null,
      value: '{"key":"k","value":1}',
      headers: {},
    });
  });

  it('takes key and headers from a bus record, and a JSON record value as is', () => {
    const headers = { 'event-type': 'X' };
    expect(serializer.serialize(busRecord(12n, { a: 1 }, headers))).toEqual({
      key: '12',
      value: '{"a":1}',
      headers,
    });
    expect(serializer.serialize(jsonBusRecord('s-1', '{"a":1}'))).toEqual({
      key: 's-1',
      value: '{"a":1}',
      headers: {},
    });
    expect(serializer.serialize(busRecord(null, undefined))).toEqual({ key: null, value: null, headers: {} });
  });

  it('hands a body that is not JSON over as text instead of failing the record forever', () => {
    expect(request.deserialize({ value: Buffer.from('plain text'), headers: {} }, { channel: 't' })).toEqual({
      pattern: 't',
      data: 'plain text',
    });
  });

  it('throws on a circular payload, so the emit or send fails instead of publishing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => serializer.serialize(circular)).toThrow(TypeError);
  });

  it('decodes replies like Nest: an error header wins, a disposed header completes, an empty value is null', () => {
    const headers = (extra: Record<string, unknown>) => ({ [KafkaHeaders.CORRELATION_ID]: 'id-1', ...extra });
    expect(response.deserialize({ value: Buffer.from('{"a":1}'), headers: headers({}) })).toEqual({
      id: 'id-1',
      response: { a: 1 },
      isDisposed: false,
    });
    expect(
      response.deserialize({ value: null, headers: headers({ [KafkaHeaders.NEST_IS_DISPOSED]: '1' }) }),
    ).toEqual({ id: 'id-1', response: null, isDisposed: true });
    const err = { status: 'error', message: 'no' };
    expect(response.deserialize({ value: null, headers: headers({ [KafkaHeaders.NEST_ERR]: err }) })).toEqual(
      { id: 'id-1', err, isDisposed: true },
    );
  });

  it('decodes in-process keys and headers exactly as KafkaParser decodes the same bytes from Kafka', () => {
    const parser = new KafkaParser({ keepBinary: true });
    const texts = [
      '',
      'plain',
      '42',
      '{"status":"error","message":"x"}',
      '[1,"a"]',
      '{not json',
      '[',
      'é ü',
      ' {"a":1}',
    ];
    for (const text of texts) {
      const fromKafka = parser.parse<{ key: unknown; headers: Record<string, unknown> }>({
        key: Buffer.from(text),
        value: null,
        headers: { h: Buffer.from(text) },
      } as never);
      expect(decodeLikeKafkaParser(text)).toEqual(fromKafka.key);
      expect(decodeHeadersLikeKafkaParser({ h: text })).toEqual(fromKafka.headers);
    }
    expect(decodeLikeKafkaParser(null)).toBeNull();
    expect(decodeHeadersLikeKafkaParser({ gone: undefined })).toEqual({ gone: null });
  });
});
