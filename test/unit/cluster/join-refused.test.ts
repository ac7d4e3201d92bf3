import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinRefused } from '../../../src/cluster/node-connect.js';

/** How a failed connect is reported (docs/semantics.md §25, credentials). */

function clientError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('a connect the server did not let through', () => {
  it('refused credentials are ERR_CLUSTER_AUTH naming the node', () => {
    const error = joinRefused(
      'web-1_k3v9',
      clientError('AuthorizationError', "'Authorization Violation'"),
    );
    assert.equal((error as { code?: string }).code, 'ERR_CLUSTER_AUTH');
    assert.match(error.message, /web-1_k3v9/);
  });

  it("the server's Authentication Timeout is a timing failure, ERR_CLUSTER, not a refusal", () => {
    const error = joinRefused(
      'web-1_k3v9',
      clientError('AuthorizationError', "'Authentication Timeout'"),
    );
    assert.equal((error as { code?: string }).code, 'ERR_CLUSTER');
    assert.match(error.message, /Authentication Timeout/);
  });

  it('any other connect failure is ERR_CLUSTER', () => {
    const error = joinRefused(
      'web-1_k3v9',
      clientError('Error', 'connect ECONNREFUSED 127.0.0.1:4222'),
    );
    assert.equal((error as { code?: string }).code, 'ERR_CLUSTER');
  });
});
