// The dashboard's base: the API client (every call is recorded so a panel can show the
// request behind its numbers), the signed-in credential, formatting and DOM helpers.
'use strict';

const CS = (window.CS = window.CS || {});

CS.TOKEN_KEY = 'costscope.token';

/// The views, by name; each view's script adds itself.
CS.views = {};

/// The credential of this tab: kept for the session only, never in the URL.
CS.auth = {
  get token() {
    return sessionStorage.getItem(CS.TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(CS.TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(CS.TOKEN_KEY);
  },
};

/// An error answer of the API: `{error: {kind, message}}` with its status.
class ApiError extends Error {
  constructor(status, kind, message) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}
CS.ApiError = ApiError;

/// Calls the API as the signed-in user; resolves to the JSON answer.
CS.api = async function (method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = CS.auth.token;
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = text;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.kind || 'internal', error.message || text);
  }
  return data;
};

/// A recorded request, as the API documents it and as curl sends it.
CS.describeRequest = function (request) {
  const origin = window.location.origin;
  let curl = `curl -s -H "Authorization: Bearer $COSTSCOPE_TOKEN"`;
  if (request.method !== 'GET') curl += ` -H 'content-type: application/json'`;
  curl += ` ${origin}${request.path}`;
  if (request.body !== undefined) {
    curl += ` -d '${JSON.stringify(request.body).replace(/'/g, "'\\''")}'`;
  }
  return curl;
};

// Formatting.
const usdFormat = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 2,
  minimumFractionDigits: 2,
});
const usdShort = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  maximumFractionDigits: 1,
});
const numberFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
CS.fmt = {
  usd: (n) => (n === null || n === undefined || Number.isNaN(n) ? '—' : usdFormat.format(n)),
  usdShort: (n) => (n === null || n === undefined ? '—' : usdShort.format(n)),
  num: (n) => (n === null || n === undefined ? '—' : numberFormat.format(n)),
  pct: (n, digits = 1) => (n === null || n === undefined ? '—' : `${Number(n).toFixed(digits)}%`),
  share: (n) => (n === null || n === undefined ? '—' : `${(100 * n).toFixed(1)}%`),
  gb: (bytes) => (bytes === null || bytes === undefined ? '—' : `${numberFormat.format(bytes / 1e9)} GB`),
  signedUsd: (n) => (n > 0 ? '+' : '') + CS.fmt.usd(n),
};

/// `el('tag.class', {attr: value, onclick: fn}, child, ...)`: one element.
CS.el = function (spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

/// Sums `rows[key]`.
CS.sum = (rows, key) => rows.reduce((total, row) => total + (Number(row[key]) || 0), 0);

/// Groups `rows` by `key(row)`, keeping first-seen order.
CS.groupBy = function (rows, key) {
  const groups = new Map();
  for (const row of rows) {
    const k = key(row);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(row);
  }
  return groups;
};

/// A document the API accepts in place of a file (allocation rules, budgets).
CS.documents = {};
CS.document = async function (name) {
  if (!CS.documents[name]) {
    const stored = localStorage.getItem('costscope.document.' + name);
    let text = stored;
    if (!text) {
      const response = await fetch(`/assets/${name}?v=${CS.version}`);
      text = await response.text();
    }
    CS.documents[name] = { origin: stored ? `dashboard:${name}` : `examples/${name}`, text };
  }
  return CS.documents[name];
};

/// Downloads `text` as a file.
CS.download = function (name, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = CS.el('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
};

/// CSV of `columns` (`{key, label}`) over `rows`.
CS.csv = function (columns, rows) {
  const quote = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [columns.map((c) => quote(c.label || c.key)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c.key])).join(','));
  return lines.join('\n') + '\n';
};
