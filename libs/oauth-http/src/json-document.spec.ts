import express from 'express';
import request from 'supertest';
import { sendJsonDocument } from './json-document';

const HEADERS = { contentType: 'application/jwk-set+json; charset=utf-8', cacheControl: 'public' };

describe('sendJsonDocument', () => {
  let current: object = { keys: [{ kid: 'a' }] };
  const app = express();
  app.get('/doc', (req, res) => sendJsonDocument(req, res, current, HEADERS));
  app.head('/doc', (req, res) => sendJsonDocument(req, res, current, HEADERS));

  it('sends the document as JSON with its media type, caching and a strong ETag', async () => {
    const res = await request(app).get('/doc');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(HEADERS.contentType);
    expect(res.headers['cache-control']).toBe('public');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(JSON.parse(res.text)).toEqual(current);
  });

  it('answers 304 without a body to a client that holds the same document', async () => {
    const first = await request(app).get('/doc');
    const again = await request(app).get('/doc').set('If-None-Match', first.headers.etag!);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const other = await request(app).get('/doc').set('If-None-Match', '"something-else"');
    expect(other.status).toBe(200);
  });

  it('gives a changed document a new ETag and its new content', async () => {
    const before = await request(app).get('/doc');
    current = { keys: [{ kid: 'a' }, { kid: 'b' }] };
    const after = await request(app).get('/doc').set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(JSON.parse(after.text)).toEqual(current);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await request(app).head('/doc');
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(JSON.stringify(current).length);
    expect(res.text ?? '').toBe('');
  });
});
