// Preloaded into the action's process (NODE_OPTIONS=--import) in the proxy tests, in the role of an
// /etc/hosts file: the names in TEST_HOSTS resolve to 127.0.0.1, and every other name that is not
// loopback fails at once, so that no test can ever make a real DNS query. It changes nothing else.
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import process from 'node:process';

const names = new Set((process.env.TEST_HOSTS ?? '').split(',').filter(Boolean));
const systemLookup = dns.lookup;

dns.lookup = function lookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'object' && options !== null ? options : {};
  if (hostname === 'localhost' || /^127\./.test(hostname))
    return systemLookup.call(this, hostname, options, callback);
  if (!names.has(hostname)) {
    const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (test resolver)`), {
      code: 'ENOTFOUND',
      hostname,
    });
    return process.nextTick(done, error);
  }
  if (opts.all) return process.nextTick(done, null, [{ address: '127.0.0.1', family: 4 }]);
  return process.nextTick(done, null, '127.0.0.1', 4);
};
syncBuiltinESMExports();
