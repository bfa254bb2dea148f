/**
 * bagpipe-bgp's error responses (reference §3.1): pecan picks the format from the Accept
 * header — JSON for `application/json` (what the networking-bagpipe agent sends), webob's HTML
 * page for `*\/*` (curl), webob's plain text when there is no Accept header — and answers 406,
 * before any handler runs, to a client that accepts only text/plain or text/html.
 */
import { pyJson } from './py-json.js';

export type ErrorFormat = 'json' | 'html' | 'text';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  500: 'Internal Server Error',
};

/** webob's explanations, shown in the HTML and text bodies. */
const EXPLANATIONS: Record<number, string> = {
  400: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  404: 'The resource could not be found.',
  405: 'The method is not allowed for this resource.',
  406: 'The resource could not be generated that was acceptable to your browser.',
  500: 'The server has either erred or is incapable of performing the requested operation.',
};

/** What the Accept header asks for; 'refuse' means 406 (the client cannot take JSON). */
export function negotiate(accept: string | undefined): ErrorFormat | { refuse: ErrorFormat } {
  if (accept === undefined || accept.trim() === '') return 'text';
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  if (types.some((t) => t === 'application/json' || t === 'application/*')) return 'json';
  if (types.includes('*/*')) return 'html';
  return { refuse: types.includes('text/html') ? 'html' : 'text' };
}

export function titleOf(code: number): string {
  return TITLES[code] ?? 'Error';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** The body and content type of an error; `description` null is JSON null (unknown paths). */
export function errorBody(code: number, description: string | null, format: ErrorFormat): { text: string; contentType: string } {
  const title = titleOf(code);
  if (format === 'json') return { text: pyJson({ code, title, description }), contentType: 'application/json' };
  const explanation = EXPLANATIONS[code] ?? '';
  const detail = description ?? '';
  if (format === 'text') {
    return { text: `${code} ${title}\n\n${explanation}\n\n ${detail}  `, contentType: 'text/plain; charset=UTF-8' };
  }
  const text = `<html>\n <head>\n  <title>${code} ${title}</title>\n </head>\n <body>\n  <h1>${code} ${title}</h1>\n  ${explanation}<br /><br />\n${escapeHtml(detail)}\n\n\n </body>\n</html>`;
  return { text, contentType: 'text/html; charset=UTF-8' };
}
