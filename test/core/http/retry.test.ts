import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  classifyResponse,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
} from '../../../src/core/http/retry.ts';

describe('classifyResponse', () => {
  it.each([200, 201, 204])('%i is success', (status) =>
    expect(classifyResponse(status, '')).toBe('success'),
  );
  it.each([408, 425, 429, 500, 502, 503, 504, 599])('%i is retried', (status) =>
    expect(classifyResponse(status, '')).toBe('retry'),
  );
  it.each([400, 401, 403, 404, 409, 422])('%i fails at once', (status) =>
    expect(classifyResponse(status, '{"error":"invalid_request"}')).toBe('fail'),
  );
  it('retries Databricks "Temporarily throttled" in a 400', () => {
    const body =
      '{"error":"invalid_request","error_description":"Temporarily throttled, too many requests"}';
    expect(classifyResponse(400, body)).toBe('retry');
  });
  it('retries REQUEST_LIMIT_EXCEEDED', () => {
    expect(
      classifyResponse(
        400,
        '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"RPC token bucket limit has been exceeded"}',
      ),
    ).toBe('retry');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  it('reads delay-seconds', () => expect(parseRetryAfter('3', now)).toBe(3000));
  it('reads an HTTP date', () =>
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:05 GMT', now)).toBe(5000));
  it('treats a past date as no wait', () =>
    expect(parseRetryAfter('Mon, 23 Nov 2026 11:00:00 GMT', now)).toBe(0));
  it.each([undefined, '', '-1', '1.5', 'soon', '12abc'])('ignores %j', (value) =>
    expect(parseRetryAfter(value, now)).toBeUndefined(),
  );
  it('reads the first of repeated headers', () =>
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000));
});

describe('backoffDelay', () => {
  it('is full jitter under an exponential ceiling', () => {
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 0.999)).toBe(499);
    expect(backoffDelay(2, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });
  it('never exceeds the cap', () => {
    expect(backoffDelay(30, DEFAULT_RETRY_POLICY, () => 0.999999)).toBeLessThan(
      DEFAULT_RETRY_POLICY.maxDelayMs,
    );
  });
});
