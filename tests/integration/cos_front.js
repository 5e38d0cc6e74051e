// SPDX-License-Identifier: MIT
// cos_front.js - the TLS front of the offline COS stand-in. Behind it runs
// the third-party S3 server @20minutes/s3rver (a child process), which
// checks SigV4 signatures and stores objects and parts. The front adds
// what s3rver lets through and IBM COS does not, and what tests need:
//   - Content-MD5 required on UploadPart and checked on every body,
//     x-amz-content-sha256 and x-amz-date required, the body hash checked
//     unless UNSIGNED-PAYLOAD;
//   - IAM bearer tokens checked against the local Key Protect server
//     (tests/kp-server): 403 AccessDenied when it refuses them;
//   - multipart bookkeeping s3rver lacks: ListParts, AbortMultipartUpload,
//     NoSuchUpload for aborted or unknown ids, and the S3 multipart ETag
//     ("<md5 of part md5s>-<n>") on Complete, HEAD and GET;
//   - GET ?location= with the bucket's LocationConstraint;
//   - faults on request (POST /__admin/faults): error status and code
//     (5xx, 429, SlowDown), Retry-After, delay, a part stored corrupted;
//   - a request log (GET /__admin/log) and the open uploads
//     (GET /__admin/uploads).
// Usage: node cos_front.js S3RVER_DIR DATA_DIR CERT KEY PORT_FILE BUCKET...
// Env: COS_FRONT_KP_URL, COS_FRONT_KP_INSTANCE, COS_FRONT_KP_CA (bearer
// checks; without them bearer tokens are refused), COS_FRONT_LOCATION
// (default us-south-standard).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const { fork } = require('child_process');

const [s3rverDir, dataDir, certFile, keyFile, portFile, ...buckets] =
  process.argv.slice(2);

const uploads = new Map(); // id -> {bucket, key, parts: Map(n -> {etag, size}), open}
const objects = new Map(); // "bucket/key" -> multipart ETag
const locations = new Map();
let faults = [];
const log = [];
let upstreamPort = 0;

function xmlError(res, status, code, message, extra) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message><Resource>${extra || ''}</Resource>` +
    `<RequestId>front-${Date.now()}</RequestId><httpStatusCode>${status}</httpStatusCode></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

function xmlOk(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return status;
}

// What a request is, in S3 terms.
function classify(method, q) {
  if (q.has('partNumber') && q.has('uploadId') && method === 'PUT') return 'part';
  if (q.has('uploads') && method === 'POST') return 'create';
  if (q.has('uploadId') && method === 'POST') return 'complete';
  if (q.has('uploadId') && method === 'GET') return 'list';
  if (q.has('uploadId') && method === 'DELETE') return 'abort';
  if (q.has('location') && method === 'GET') return 'location';
  if (method === 'HEAD') return 'head';
  if (method === 'PUT') return 'put';
  return method.toLowerCase();
}

function takeFault(op, part) {
  for (const f of faults) {
    if (f.times <= 0) continue;
    if (f.op !== 'any' && f.op !== op) continue;
    if (f.part && f.part !== part) continue;
    if (f.after && f.after-- > 0) continue;
    f.times--;
    return f;
  }
  return null;
}

function checkBearer(auth) {
  const url = process.env.COS_FRONT_KP_URL;
  if (!url) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = https.request(url + '/api/v2/keys?limit=1', {
      method: 'GET',
      headers: { Authorization: auth, 'Bluemix-Instance': process.env.COS_FRONT_KP_INSTANCE || '' },
      ca: fs.readFileSync(process.env.COS_FRONT_KP_CA),
    }, (r) => { r.resume(); r.on('end', () => resolve(r.statusCode === 200)); });
    req.on('error', () => resolve(false));
    req.end();
  });
}

// Strict checks s3rver does not make. Returns an error [status, code, msg] or null.
// preflight's bucket location, a bearer-token GET without a body, needs
// neither x-amz-date nor a body hash, as with COS; every request of
// cos put (ListParts included) must still carry both.
function strict(op, req, body) {
  const h = req.headers;
  const bare = op === 'location' && (h.authorization || '').startsWith('Bearer ') &&
    body.length === 0;
  if (!h['x-amz-date'] && !bare) return [400, 'AccessDenied', 'x-amz-date is required'];
  const sha = h['x-amz-content-sha256'];
  if (!sha && !bare) return [400, 'InvalidRequest', 'x-amz-content-sha256 is required'];
  if (sha && sha !== 'UNSIGNED-PAYLOAD' &&
      sha !== crypto.createHash('sha256').update(body).digest('hex'))
    return [400, 'XAmzContentSHA256Mismatch', 'the body does not match x-amz-content-sha256'];
  const md5 = h['content-md5'];
  if (op === 'part' && !md5) return [400, 'InvalidDigest', 'Content-MD5 is required on UploadPart'];
  if (md5 && md5 !== crypto.createHash('md5').update(body).digest('base64'))
    return [400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.'];
  return null;
}

function listParts(res, up, q) {
  const marker = Number(q.get('part-number-marker') || 0);
  const max = Math.min(Number(q.get('max-parts') || 1000), 1000);
  const nums = [...up.parts.keys()].sort((a, b) => a - b).filter((n) => n > marker);
  const page = nums.slice(0, max);
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult>' +
    `<Bucket>${up.bucket}</Bucket><Key>${up.key}</Key><UploadId>${q.get('uploadId')}</UploadId>` +
    `<PartNumberMarker>${marker}</PartNumberMarker><MaxParts>${max}</MaxParts>`;
  const truncated = nums.length > page.length;
  if (truncated) xml += `<NextPartNumberMarker>${page[page.length - 1]}</NextPartNumberMarker>`;
  xml += `<IsTruncated>${truncated}</IsTruncated>`;
  for (const n of page) {
    const p = up.parts.get(n);
    xml += `<Part><PartNumber>${n}</PartNumber><ETag>&quot;${p.etag}&quot;</ETag><Size>${p.size}</Size></Part>`;
  }
  return xmlOk(res, 200, xml + '</ListPartsResult>');
}

function forward(req, body, headers) {
  return new Promise((resolve, reject) => {
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    up.on('error', reject);
    up.end(body);
  });
}

// After s3rver answered: the bookkeeping and the multipart ETag.
function after(op, ctx, q, reqBody, ans) {
  const ok = ans.status >= 200 && ans.status < 300;
  if (op === 'create' && ok) {
    const m = /<UploadId>([^<]+)<\/UploadId>/.exec(ans.body.toString());
    if (m) uploads.set(m[1], { bucket: ctx.bucket, key: ctx.key, parts: new Map(), open: true });
  } else if (op === 'part' && ok) {
    const up = uploads.get(q.get('uploadId'));
    up.parts.set(Number(q.get('partNumber')),
      { etag: String(ans.headers.etag).replace(/"/g, ''), size: ctx.stored });
  } else if (op === 'complete' && ok && !/<Error>/.test(ans.body.toString())) {
    const up = uploads.get(q.get('uploadId'));
    const etags = [...reqBody.toString().matchAll(/<ETag>"?([0-9a-fA-F]{32})"?<\/ETag>/g)].map((m) => m[1]);
    const h = crypto.createHash('md5');
    for (const e of etags) h.update(Buffer.from(e, 'hex'));
    const mp = `${h.digest('hex')}-${etags.length}`;
    objects.set(`${ctx.bucket}/${ctx.key}`, mp);
    up.open = false;
    ans.body = Buffer.from(ans.body.toString().replace(/<ETag>[^<]*<\/ETag>/, `<ETag>&quot;${mp}&quot;</ETag>`));
    ans.headers['content-length'] = String(ans.body.length);
  } else if (op === 'put' && ok) {
    objects.delete(`${ctx.bucket}/${ctx.key}`);
  }
  if ((op === 'head' || op === 'get') && ok && objects.has(`${ctx.bucket}/${ctx.key}`))
    ans.headers.etag = `"${objects.get(`${ctx.bucket}/${ctx.key}`)}"`;
}

function admin(req, res, body, u) {
  if (req.method === 'POST' && u.pathname === '/__admin/faults') {
    faults = JSON.parse(body.toString() || '[]').map((f) => ({ times: 1, ...f }));
    return xmlOk(res, 200, '');
  }
  if (req.method === 'POST' && u.pathname === '/__admin/location') {
    const { bucket, location } = JSON.parse(body.toString());
    locations.set(bucket, location);
    return xmlOk(res, 200, '');
  }
  if (u.pathname === '/__admin/log') {
    const out = JSON.stringify(log);
    if (req.method === 'DELETE') log.length = 0;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(out);
  }
  if (u.pathname === '/__admin/uploads') {
    const open = [...uploads.entries()].filter(([, v]) => v.open)
      .map(([id, v]) => ({ id, bucket: v.bucket, key: v.key, parts: [...v.parts.keys()] }));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(open));
  }
  return xmlError(res, 404, 'NoSuchKey', 'no such admin call');
}

async function handle(req, res, body) {
  const u = new URL(req.url, 'https://front');
  if (u.pathname.startsWith('/__admin/')) return admin(req, res, body, u);
  const q = u.searchParams;
  const op = classify(req.method, q);
  const segs = u.pathname.split('/');
  const ctx = { bucket: decodeURIComponent(segs[1] || ''), key: decodeURIComponent(segs.slice(2).join('/')), stored: body.length };
  const entry = { method: req.method, op, path: u.pathname, query: u.search, part: Number(q.get('partNumber') || 0), bytes: body.length };
  log.push(entry);
  const f = takeFault(op, entry.part);
  if (f && f.delay_ms) await new Promise((r) => setTimeout(r, f.delay_ms));
  // a client killed while its request waited: nothing is stored, as a
  // server that never got the whole request stores nothing
  if (req.socket.destroyed) return (entry.status = 499);
  if (f && f.status) {
    if (f.retry_after) res.setHeader('Retry-After', f.retry_after);
    return (entry.status = xmlError(res, f.status, f.code || 'InternalError', 'injected fault'));
  }
  const headers = { ...req.headers };
  const auth = headers.authorization || '';
  if (auth.startsWith('Bearer ')) {
    if (!(await checkBearer(auth)))
      return (entry.status = xmlError(res, 403, 'AccessDenied', 'the IAM token is not valid'));
    delete headers.authorization;
  } else if (!auth.startsWith('AWS4-HMAC-SHA256 ')) {
    return (entry.status = xmlError(res, 403, 'AccessDenied', 'no credentials'));
  }
  const bad = strict(op, req, body);
  if (bad) return (entry.status = xmlError(res, bad[0], bad[1], bad[2]));
  if (op === 'location')
    return (entry.status = xmlOk(res, 200, '<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>' +
      (locations.get(ctx.bucket) || process.env.COS_FRONT_LOCATION || 'us-south-standard') + '</LocationConstraint>'));
  if (['part', 'list', 'abort', 'complete'].includes(op)) {
    const up = uploads.get(q.get('uploadId'));
    if (!up || !up.open)
      return (entry.status = xmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.'));
    if (op === 'list') return (entry.status = listParts(res, up, q));
    if (op === 'abort') {
      up.open = false;
      res.writeHead(204);
      res.end();
      return (entry.status = 204);
    }
  }
  if (f && f.corrupt && body.length) {
    body = Buffer.from(body);
    body[body.length >> 1] ^= 0x5a; // stored differently from what was sent
  }
  headers['content-length'] = String(body.length);
  const ans = await forward(req, body, headers);
  after(op, ctx, q, body, ans);
  entry.status = ans.status;
  res.writeHead(ans.status, ans.headers);
  res.end(req.method === 'HEAD' ? undefined : ans.body);
}

// A single PUT with an unsigned payload and no Content-MD5 has nothing
// for the front to check in its body: piped through unbuffered (what
// `curl -T` sends in make bench), after the same auth rules.
function streamable(req) {
  const u = new URL(req.url, 'https://front');
  return req.method === 'PUT' && !u.search && !req.headers['content-md5'] &&
    req.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD' &&
    String(req.headers.authorization || '').startsWith('AWS4-HMAC-SHA256 ');
}

function streamPut(req, res) {
  const u = new URL(req.url, 'https://front');
  const segs = u.pathname.split('/');
  const entry = { method: 'PUT', op: 'put', path: u.pathname, query: '', part: 0, bytes: Number(req.headers['content-length'] || 0) };
  log.push(entry);
  objects.delete(`${decodeURIComponent(segs[1] || '')}/${decodeURIComponent(segs.slice(2).join('/'))}`);
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: 'PUT', path: req.url, headers: req.headers }, (r) => {
    entry.status = r.statusCode;
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

function startS3rver() {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--s3rver', s3rverDir, dataDir, ...buckets], { stdio: 'inherit' });
    child.on('message', (m) => resolve(m.port));
    child.on('exit', (code) => reject(new Error('s3rver exited ' + code)));
    process.on('exit', () => child.kill());
    for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { child.kill(); process.exit(0); });
  });
}

async function s3rverChild() {
  const [, , , dir, data, ...bks] = process.argv;
  const S3rver = require(path.join(dir, 'node_modules/@20minutes/s3rver'));
  const srv = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: data,
    configureBuckets: bks.map((name) => ({ name })) });
  const addr = await srv.run();
  process.send({ port: addr.port });
}

async function main() {
  upstreamPort = await startS3rver();
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
    if (streamable(req)) return streamPut(req, res);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)).catch((e) => {
      if (!res.headersSent) xmlError(res, 500, 'InternalError', String(e.message).replace(/[<&]/g, ''));
      else res.destroy();
    }));
  });
  server.keepAliveTimeout = 30000;
  server.listen(0, '127.0.0.1', () => {
    fs.writeFileSync(portFile + '.tmp', String(server.address().port));
    fs.renameSync(portFile + '.tmp', portFile);
  });
}

if (process.argv[2] === '--s3rver') s3rverChild();
else main();
