import { RequestContext } from './request-context';

describe('RequestContext: the caller and actor audit events name', () => {
  it('keeps a well-formed address and user agent, drops malformed ones', () => {
    expect(RequestContext.readCaller('203.0.113.9', 'curl/8')).toEqual({
      ip: '203.0.113.9',
      userAgent: 'curl/8',
    });
    expect(RequestContext.readCaller('::ffff:127.0.0.1', undefined)).toEqual({
      ip: '::ffff:127.0.0.1',
    });
    expect(RequestContext.readCaller('evil\nheader', 'bad\u0000agent')).toBeUndefined();
    expect(RequestContext.readCaller(undefined, 'x'.repeat(5000))?.userAgent).toHaveLength(1024);
  });

  it('carries the actor as type:id, and refuses an unknown type or a bad id', () => {
    const admin = { type: 'admin', id: 'ops-client' } as const;
    expect(RequestContext.parseActor(RequestContext.formatActor(admin))).toEqual(admin);
    expect(RequestContext.parseActor('anonymous')).toEqual({ type: 'anonymous' });
    expect(RequestContext.parseActor('root:me')).toBeUndefined();
    expect(RequestContext.parseActor('admin:has space')).toBeUndefined();
    expect(RequestContext.parseActor(undefined)).toBeUndefined();
  });

  it('lets a guard name the actor inside the request, and only there', () => {
    RequestContext.setActor({ type: 'admin', id: 'outside' });
    expect(RequestContext.actor()).toBeUndefined();
    RequestContext.run({ requestId: 'r-1' }, () => {
      RequestContext.setActor({ type: 'admin', id: 'ops' });
      expect(RequestContext.actor()).toEqual({ type: 'admin', id: 'ops' });
    });
  });
});
