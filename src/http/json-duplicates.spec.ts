import { describe, expect, it } from 'vitest';
import { findDuplicateKeys } from './json-duplicates.js';

describe('findDuplicateKeys', () => {
  it('finds a key repeated in one object', () => {
    expect(findDuplicateKeys('{"email":"a@x.io","email":"b@x.io"}')).toEqual(['email']);
  });

  it('finds repeats in nested objects and arrays, with their path', () => {
    expect(findDuplicateKeys('{"a":{"b":1,"b":2},"c":[{"d":1,"d":2}]}')).toEqual(['a.b', 'c.d']);
  });

  it('accepts the same key in different objects and keys that only look alike', () => {
    expect(findDuplicateKeys('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}')).toEqual([]);
    expect(findDuplicateKeys('{"a":"\\"a\\"","b":"a,\\"a\\":1"}')).toEqual([]);
  });

  it('compares decoded keys ("\\u0061" is "a")', () => {
    expect(findDuplicateKeys('{"a":1,"\\u0061":2}')).toEqual(['a']);
  });

  it('finds nothing in non-objects', () => {
    expect(findDuplicateKeys('[1,2,3]')).toEqual([]);
    expect(findDuplicateKeys('"x"')).toEqual([]);
  });
});
