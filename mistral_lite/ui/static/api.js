// The only way the UI talks to the server: Mistral's REST API under /v2.
export class ApiError extends Error {
  constructor(status, text) { super(text); this.status = status; }
}

// Headers every request to the server carries (REST calls and the live stream alike);
// empty until authentication fills in the token, so callers never build their own.
export function authHeaders() { return {}; }

export async function call(method, path, body) {
  const init = { method, headers: { ...authHeaders() } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const url = path.startsWith('/v2') ? path : '/v2' + path;
  const response = await fetch(url, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, (data && data.faultstring) || response.statusText);
  return data;
}

export const get = (path) => call('GET', path);

// The API's `next` is an absolute URL of this server; keep only its path so every call stays under /v2.
export function nextPath(next) {
  if (!next) return null;
  const url = new URL(next, location.href);
  return url.pathname + url.search;
}

// Mistral encodes objects inside JSON strings (input, output, published, variables...).
export function parsed(value) {
  if (typeof value !== 'string') return value;
  try { return JSON.parse(value); } catch { return value; }
}

export const pretty = (value) => JSON.stringify(parsed(value), null, 2);
