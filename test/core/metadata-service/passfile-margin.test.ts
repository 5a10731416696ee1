import { describe, expect, it } from 'vitest';
import { passfileLine } from '../../../src/core/metadata-service/passfile.ts';
import { refreshMargin } from '../../../src/core/metadata-service/renewing.ts';

describe('passfileLine', () => {
  it("escapes libpq's separators, : and \\, in every field", () => {
    const line = passfileLine({
      host: 'db.example.com',
      port: 5432,
      database: 'a:b',
      user: 'svc\\1',
      password: 'p:w\\d:',
      expiresAt: undefined,
      url: '',
      jdbcUrl: '',
    });
    expect(line).toBe('db.example.com:5432:a\\:b:svc\\\\1:p\\:w\\\\d\\:\n');
  });
});

describe('refreshMargin', () => {
  it.each([
    [3_600_000, 120_000], // an hour: two minutes
    [300_000, 120_000], // GitHub's five minutes: two minutes
    [130_000, 65_000], // under four minutes: half the life
    [10_000, 5000],
    [0, 0],
  ])('a life of %d ms is renewed %d ms before it ends', (life, margin) => {
    expect(refreshMargin(life)).toBe(margin);
  });
});
