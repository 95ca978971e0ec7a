// Serves the built app (dist/) with correct MIME types and ETag revalidation.
//
// Guest images are large and change only when `npm run guest` rebuilds them, so they are served
// with a strong ETag (their sha256 prefix) and revalidated; content-hashed assets under
// /assets/ are cached for a year; index.html is always revalidated.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** MIME types by file extension; `.mjs` must be JavaScript or module workers fail silently. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.gz': 'application/octet-stream',
};

const IMMUTABLE_MAX_AGE_S = 365 * 24 * 3600;

interface CachedFile {
  readonly body: Buffer;
  readonly etag: string;
  readonly mtimeMs: number;
}

/** Returns a request handler that serves files under `rootDir`, or 404 for anything outside it. */
export function createStaticHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => void {
  const root = normalize(rootDir + sep);
  const cache = new Map<string, CachedFile>();

  function load(path: string): CachedFile | undefined {
    let st;
    try {
      st = statSync(path);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit;
    const body = readFileSync(path);
    const etag = '"' + createHash('sha256').update(body).digest('hex').slice(0, 32) + '"';
    const file = { body, etag, mtimeMs: st.mtimeMs };
    cache.set(path, file);
    return file;
  }

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const path = normalize(join(root, pathname));
    if (!path.startsWith(root) || pathname.includes('\0')) {
      res.writeHead(404).end();
      return;
    }
    const file = load(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const immutable = pathname.startsWith('/assets/');
    const headers: Record<string, string | number> = {
      'content-type': MIME_TYPES[extname(path)] ?? 'application/octet-stream',
      etag: file.etag,
      'cache-control': immutable ? `public, max-age=${IMMUTABLE_MAX_AGE_S}, immutable` : 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    headers['content-length'] = file.body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}
