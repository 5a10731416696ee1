import { describe, expect, it } from 'vitest';
import {
  CI_CHOICES,
  detectCi,
  detectSubjectToken,
  SecretRegistry,
  failureKind,
  suggestPolicy,
  type SourceOptions,
} from '../../../src/core/index.ts';
import { CI_CATALOG } from '../../../src/core/ci/catalog.ts';
import type { SourceDeps } from '../../../src/core/subject-token/source-deps.ts';

const jwt = (claims: Record<string, unknown>): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

function deps(env: Record<string, string>): SourceDeps {
  return {
    env,
    readFile: () => Promise.reject(Object.assign(new Error('no'), { code: 'ENOENT' })),
    runCommand: () => Promise.resolve(undefined),
    secrets: new SecretRegistry(() => undefined),
  };
}

const auto: SourceOptions = {
  ci: 'auto',
  audience: undefined,
  tokenFile: undefined,
  tokenEnv: undefined,
};

function failureOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return failureKind(error);
  }
  return 'no error';
}

describe('CI_CHOICES', () => {
  // Read from the catalog, which imports nothing, so that reading --ci loads no source.
  it('names every CI, in detection order, Kubernetes (never ambient) last, then the explicit sources', () => {
    expect(CI_CHOICES).toEqual(['auto', ...CI_CATALOG.map((row) => row.name), 'env', 'file']);
    expect(CI_CATALOG.filter((row) => !row.ambient).map((row) => row.name)).toEqual(['kubernetes']);
    expect(CI_CATALOG.at(-1)?.name).toBe('kubernetes');
  });
});

describe('detectSubjectToken', () => {
  it('takes an explicit token before any CI', () => {
    const env = { GITLAB_CI: 'true', TF_BUILD: 'True', DATABRICKS_OIDC_TOKEN: jwt({ sub: 'x' }) };
    const found = detectSubjectToken(deps(env), auto);
    expect(found.source.description).toBe('the variable DATABRICKS_OIDC_TOKEN');
    expect(found.ci).toBe('azure-devops');
  });

  it('tries Azure before GitHub, and GitHub before GitLab', () => {
    expect(detectCi({ TF_BUILD: 'True', GITHUB_ACTIONS: 'true' })).toBe('azure-devops');
    expect(detectCi({ GITLAB_CI: 'true', GITHUB_ACTIONS: 'true' })).toBe('github');
  });

  it('is not-found outside any CI, unavailable inside one without a token', () => {
    expect(failureOf(() => detectSubjectToken(deps({}), auto))).toBe('no-source');
    expect(failureOf(() => detectSubjectToken(deps({ BITBUCKET_BUILD_NUMBER: '7' }), auto))).toBe(
      'unavailable',
    );
  });

  it('never takes the Kubernetes ambient token', () => {
    expect(
      failureOf(() => detectSubjectToken(deps({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }), auto)),
    ).toBe('no-source');
  });

  it('picks the GitLab *_ID_TOKEN whose aud matches', async () => {
    const env = {
      GITLAB_CI: 'true',
      A_ID_TOKEN: jwt({ aud: 'one' }),
      B_ID_TOKEN: jwt({ aud: 'two' }),
    };
    const { source } = detectSubjectToken(deps(env), auto);
    const ctx = {} as Parameters<typeof source.token>[0];
    expect(await source.token(ctx, 'two')).toBe(env.B_ID_TOKEN);
  });
});

describe('suggestPolicy', () => {
  it('pins the stable claim where sub changes per run', () => {
    const claims = {
      iss: 'https://agent.buildkite.com',
      sub: 'organization:a:pipeline:b:ref:x',
      aud: 'aud',
      pipeline_id: 'p-1',
    };
    expect(suggestPolicy('buildkite', claims)).toEqual({
      issuer: 'https://agent.buildkite.com',
      audiences: ['aud'],
      subject: 'p-1',
      subject_claim: 'pipeline_id',
    });
    expect(suggestPolicy('gitlab', { ...claims, iss: 'https://gitlab.com' }).subject).toBe(
      claims.sub,
    );
  });
});
