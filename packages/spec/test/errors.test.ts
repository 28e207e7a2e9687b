import { describe, expect, it } from 'vitest';
import { BackendBusyError, InvalidRequestError, MlxTsError } from '../src/index.js';

describe('the error family', () => {
  it('identifies subclasses through markers, also on copies without the prototype', () => {
    const error = new InvalidRequestError('temperature must be ≥ 0', 'temperature');
    expect(MlxTsError.isInstance(error)).toBe(true);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect(BackendBusyError.isInstance(error)).toBe(false);
    expect(error.code).toBe('invalid_request');
    // A structured clone loses the prototype; a rebuilt copy from another package copy keeps the markers.
    const copy = Object.assign(Object.create(Error.prototype), { [Symbol.for('mlx-ts.error')]: true, [Symbol.for('mlx-ts.InvalidRequestError')]: true });
    expect(InvalidRequestError.isInstance(copy)).toBe(true);
    expect(MlxTsError.isInstance(new Error('plain'))).toBe(false);
    expect(MlxTsError.isInstance(null)).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    const error = new MlxTsError('wrapped', { code: 'x', cause });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('MlxTsError');
  });
});
