import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfMetrics } from '../../functions/adapters/metrics.ts';
import { checkJava, MissingJavaError } from '../../bin/local-engines.ts';
import { isTextContentType } from '../../bin/local-stack.ts';

describe('EmfMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one EMF document per metric with exactly its own dimensions', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    new EmfMetrics('NsTest').emit([
      { name: 'FirstResponseTime', unit: 'Seconds', value: 42.5, dimensions: { Channel: 'sms', Provider: 'twilio' } },
      { name: 'WebhookRejected', unit: 'Count', value: 1, dimensions: { Provider: 'twilio', Reason: 'bad_signature' } },
    ]);
    const docs = lines.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    expect(docs[0]._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'NsTest',
      Dimensions: [['service', 'Channel', 'Provider']],
      Metrics: [{ Name: 'FirstResponseTime', Unit: 'Seconds' }],
    });
    expect(docs[0]).toMatchObject({ FirstResponseTime: 42.5, Channel: 'sms', Provider: 'twilio' });
    expect(docs[1]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'Provider', 'Reason']]);
    expect(docs[1]).not.toHaveProperty('Channel');
  });
});

describe('local stack', () => {
  it('names what to install when Java is missing', () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '/nonexistent';
    try {
      expect(() => checkJava()).toThrow(MissingJavaError);
      expect(() => checkJava()).toThrow(/Java 17 or newer.*openjdk-17-jre-headless/);
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('passes bodies as text only for the content types API Gateway treats as text', () => {
    for (const t of ['text/plain', 'text/xml; charset=utf-8', 'application/json', 'application/json; charset=utf-8', 'application/xml', 'application/javascript']) {
      expect(isTextContentType(t)).toBe(true);
    }
    for (const t of [undefined, '', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'image/png']) {
      expect(isTextContentType(t)).toBe(false);
    }
  });
});
