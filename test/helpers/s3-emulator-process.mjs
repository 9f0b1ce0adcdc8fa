// The S3 emulator for tests (s3rver, an S3-compatible server in Node.js), run as a child
// process of the tests: `node --openssl-legacy-provider s3-emulator-process.mjs <dir> <bucket>
// [port]`. Prints {"port":N} once it listens on 127.0.0.1 (on `port` when given, to come
// back where it was), and stops when its standard input closes, so it never outlives the
// test that started it.
//
// Why the two allowances: the emulator encrypts its list continuation tokens with DES,
// which OpenSSL 3 only offers through its legacy provider; and it computes the signature
// of bucket-level requests without the trailing slash the AWS SDK v3 signs, so signatures
// are not compared (the credentials are still required and sent).
import S3rver from '@20minutes/s3rver';

const [directory, bucket, port = '0'] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: true,
  directory,
  allowMismatchedSignatures: true,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  server.close().finally(() => process.exit(0));
});
