/** The one-click unsubscribe's small multipart reader (functions/api/routes/surveys.ts). */
import { describe, expect, it } from 'vitest';
import { smallMultipartFields } from '../../functions/api/routes/surveys.ts';

const form = (boundary: string, parts: string[]) => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`, 'latin1');

describe('smallMultipartFields', () => {
  it('reads the one-click field, with a plain or quoted boundary', () => {
    const body = form('xYz', ['Content-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click']);
    expect(smallMultipartFields(body, 'multipart/form-data; boundary=xYz')).toEqual([['List-Unsubscribe', 'One-Click']]);
    expect(smallMultipartFields(body, 'multipart/form-data; boundary="xYz"')).toEqual([['List-Unsubscribe', 'One-Click']]);
  });

  it('keeps UTF-8 text, ignores files and parts without a name', () => {
    const body = form('b', [
      'Content-Disposition: form-data; name="comment"\r\n\r\nTrès bien',
      'Content-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nfile body',
      'Content-Type: text/plain\r\n\r\nno name',
    ].map((p) => Buffer.from(p, 'utf8').toString('latin1')));
    expect(smallMultipartFields(body, 'multipart/form-data; boundary=b')).toEqual([['comment', 'Très bien']]);
  });

  it('refuses a body without a boundary (400) and too many parts (413)', () => {
    expect(() => smallMultipartFields(Buffer.from('x'), 'multipart/form-data')).toThrow(expect.objectContaining({ status: 400 }));
    const many = form('b', Array.from({ length: 21 }, (_, i) => `Content-Disposition: form-data; name="f${i}"\r\n\r\nv`));
    expect(() => smallMultipartFields(many, 'multipart/form-data; boundary=b')).toThrow(expect.objectContaining({ status: 413 }));
  });
});
