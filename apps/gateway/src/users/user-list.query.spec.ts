import { InvalidRequest } from '@latchkey/oauth';
import { encodeSeqCursor } from '@latchkey/core';
import { UserListQueryPipe } from './user-list.query';

describe('UserListQueryPipe', () => {
  const pipe = new UserListQueryPipe();

  it('defaults the limit to 50 and reads limit, cursor and username', () => {
    expect(pipe.transform({})).toEqual({ limit: 50 });
    expect(
      pipe.transform({ limit: '200', cursor: encodeSeqCursor('42'), username: 'Alice' }),
    ).toEqual({ limit: 200, afterSeq: '42', username: 'Alice' });
  });

  it.each([
    [{ limit: '0' }, /limit/],
    [{ limit: '201' }, /limit/],
    [{ limit: '-1' }, /limit/],
    [{ limit: '1.5' }, /limit/],
    [{ limit: 'ten' }, /limit/],
    [{ limit: ['1', '2'] }, /repeated/],
    [{ username: ['a', 'b'] }, /repeated/],
    [{ cursor: 'not a cursor' }, /cursor/],
    [{ cursor: Buffer.from('{"v":1,"after":"0"}').toString('base64url') }, /cursor/],
    [{ cursor: Buffer.from('{"v":2,"after":"5"}').toString('base64url') }, /cursor/],
    [{ cursor: Buffer.from('[]').toString('base64url') }, /cursor/],
    [{ cursor: Buffer.from('nope').toString('base64url') }, /cursor/],
  ])('refuses %j with invalid_request', (query, problem) => {
    expect(() => pipe.transform(query)).toThrow(InvalidRequest);
    expect(() => pipe.transform(query)).toThrow(problem);
  });
});
