import { describe, expect, it } from 'vitest';
import { maskPhone } from './phone.service.ts';

describe('maskPhone', () => {
  it('keeps the country code and the last three digits', () => {
    expect(maskPhone('+250788123456')).toBe('+250******456');
    expect(maskPhone('+16502530000')).toBe('+165*****000');
  });
});
