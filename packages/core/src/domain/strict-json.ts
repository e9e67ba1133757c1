/**
 * JSON.parse accepts things a webhook must not: duplicate keys (the last silently wins, so
 * two readers may disagree on what was sent), `__proto__` and friends, and any depth.
 * This parses with JSON.parse and then walks the text once to refuse those.
 */

export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type StrictJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; message: string; /** JSON pointer of the offending key or container, when there is one. */ pointer?: string };

// Reusable: a decode that is not streamed starts from a clean state, even after a fatal error.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseStrictJson(bytes: Uint8Array, maxDepth: number): StrictJsonResult {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { ok: false, message: 'the body starts with a UTF-8 byte order mark; send plain UTF-8 JSON' };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, message: 'the body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `malformed JSON: ${(err as Error).message}` };
  }
  const problem = scanStructure(text, maxDepth);
  return problem ? { ok: false, ...problem } : { ok: true, value };
}

interface Frame {
  keys: Set<string> | null; // null for arrays
  expectKey: boolean;
  path: string;
  /** Position of the current element, for arrays. */
  index: number;
}

/** RFC 6901: a key as one segment of a JSON pointer. */
function segment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Assumes `text` is valid JSON (JSON.parse accepted it). Returns a problem or null. */
function scanStructure(text: string, maxDepth: number): { message: string; pointer: string } | null {
  const stack: Frame[] = [];
  let pendingKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const path = top ? `${top.path}/${top.keys ? segment(pendingKey) : top.index}` : '';
      if (stack.length + 1 > maxDepth) return { message: `nesting deeper than ${maxDepth} levels at ${path || '/'}`, pointer: path || '/' };
      stack.push({ keys: c === '{' ? new Set() : null, expectKey: c === '{', path, index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
      else if (top) top.index++;
    } else if (c === '"') {
      let j = i + 1;
      let escaped = false;
      while (text[j] !== '"') {
        if (text[j] === '\\') {
          escaped = true;
          j += 2;
        } else j += 1;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        // Every webhook passes here once per key: a key without escapes is its own text.
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (FORBIDDEN_KEYS.has(key)) return { message: `the key "${key}" is not allowed (at ${top.path || '/'})`, pointer: `${top.path}/${segment(key)}` };
        if (top.keys.has(key)) return { message: `duplicate key "${key}" at ${top.path || '/'}`, pointer: `${top.path}/${segment(key)}` };
        top.keys.add(key);
        top.expectKey = false;
        pendingKey = key;
      }
      i = j;
    }
  }
  return null;
}
