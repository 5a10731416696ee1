import { describe, expect, it } from 'vitest';
import { StageError } from '../../../src/core/errors.ts';
import {
  classifyHostname,
  isAzureHost,
  parseHost,
  trustsMetadata,
} from '../../../src/core/databricks/host.ts';

describe('parseHost', () => {
  it.each([
    ['dbc-1234.cloud.databricks.com', 'https://dbc-1234.cloud.databricks.com'],
    ['https://dbc-1234.cloud.databricks.com/', 'https://dbc-1234.cloud.databricks.com'],
    ['  HTTPS://ADB-1.2.AzureDatabricks.net  ', 'https://adb-1.2.azuredatabricks.net'],
    ['https://dbc-1.cloud.databricks.com:443', 'https://dbc-1.cloud.databricks.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://localhost:9', 'http://localhost:9'],
  ])('normalises %j to %s', (raw, url) => {
    expect(parseHost(raw).url).toBe(url);
  });

  it.each([
    ['', /is empty/],
    ['https://x@evil.test', /user info/],
    ['https://user:pw@dbc.cloud.databricks.com', /user info/],
    ['https://host/path', /path/],
    ['https://host/?q=1', /query/],
    ['https://host#frag', /query or fragment/],
    ['http://dbc.cloud.databricks.com', /https/],
    ['ftp://dbc.cloud.databricks.com', /https/],
    ['https://dbc.cloud.databricks.com\n::error::x', /whitespace/],
    ['https://dbc.clоud.databricks.com', /ASCII/],
    ['https://evil.test\\@dbc.cloud.databricks.com', /user info|ASCII|path/],
    ['https://[::1', /not a URL/],
  ])('refuses %j', (raw, message) => {
    const attempt = (): unknown => parseHost(raw);
    expect(attempt).toThrow(StageError);
    expect(attempt).toThrow(message);
  });

  it.each([
    ['htps://dbc-1234.cloud.databricks.com', 'host starts with "htps://", which is not https://'],
    ['httsp://dbc-1234.cloud.databricks.com', 'host starts with "httsp://", which is not https://'],
    ['https:/dbc-1234.cloud.databricks.com', 'host needs two slashes after the scheme (https://)'],
    ['https:dbc-1234.cloud.databricks.com', 'host needs two slashes after the scheme (https://)'],
  ])('names the scheme typo in %j', (raw, message) => {
    expect(() => parseHost(raw)).toThrow(`Reading inputs failed: ${message}.`);
  });

  it('takes a trailing // as the bare origin', () => {
    expect(parseHost('https://dbc-1234.cloud.databricks.com//').url).toBe(
      'https://dbc-1234.cloud.databricks.com',
    );
  });

  it('names the input and the stage in its error', () => {
    expect(() => parseHost('https://h/p')).toThrow(
      /^Reading inputs failed: host must not contain a path/,
    );
  });
});

describe('classifyHostname', () => {
  it.each([
    ['accounts.cloud.databricks.com', 'account'],
    ['accounts.azuredatabricks.net', 'account'],
    ['accounts.gcp.databricks.com', 'account'],
    ['accounts-dod.cloud.databricks.mil', 'account'],
    ['accounts.cloud.databricks.us', 'account'],
    ['dbc-1234.cloud.databricks.com', 'workspace'],
    ['adb-1.2.azuredatabricks.net', 'workspace'],
    ['1.2.gcp.databricks.com', 'workspace'],
    ['dbc.cloud.databricks.com.evil.test', 'unknown'],
    ['127.0.0.1', 'unknown'],
    ['accounts.azuredatabricks.cn', 'account'],
    ['accounts.databricks.azure.cn', 'account'],
    ['accounts.evil.test', 'unknown'],
    ['accounts-dod.evil.test', 'unknown'],
    ['accounts.cloud.databricks.com.evil.test', 'unknown'],
    ['accounts.example.com', 'unknown'],
    // The SDKs' prefix rule, under a Databricks domain: consoles beyond the well-known seven.
    ['accounts.staging.cloud.databricks.com', 'account'],
    ['accounts.databricks.azure.us', 'account'],
    ['accounts-dod.staging.cloud.databricks.mil', 'account'],
    ['ACCOUNTS.Cloud.Databricks.com', 'account'],
    ['accounts.databricks.com', 'unknown'],
    ['accountsx.cloud.databricks.com', 'workspace'],
  ])('%s is %s', (hostname, kind) => {
    expect(classifyHostname(hostname)).toBe(kind);
  });
});

describe('isAzureHost', () => {
  it.each([
    ['https://adb-1.2.azuredatabricks.net', true],
    ['https://x.databricks.azure.us', true],
    ['https://dbc-1.cloud.databricks.com', false],
    ['https://azuredatabricks.net.evil.test', false],
  ])('%s: %s', (url, expected) => {
    expect(isAzureHost(url)).toBe(expected);
  });
});

describe('trustsMetadata', () => {
  it.each([
    ['https://dbc-1.cloud.databricks.com', true],
    ['https://accounts.cloud.databricks.com', true],
    ['http://127.0.0.1:9', true],
    ['http://localhost:9', true],
    ['https://accounts.evil.test', false],
    ['https://databricks.example.com', false],
  ])('%s: %s', (raw, expected) => {
    expect(trustsMetadata(parseHost(raw))).toBe(expected);
  });
});
