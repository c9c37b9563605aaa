// The condition language: the browser twin of miniapps/core/forms/condition_language.py
// (a subset of JSON Schema with its real semantics), and JSON pointers. Used by
// conditions.mjs, which re-exports `jsonEqual`, `matches`, `pointerJoin` and `pointerParts`.

const ANNOTATIONS = new Set(["title", "description", "$comment"]);

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function isType(name, v) {
  switch (name) {
    case "null": return v === null;
    case "boolean": return typeof v === "boolean";
    case "integer": return isNumber(v) && Number.isInteger(v);
    case "number": return isNumber(v);
    case "string": return typeof v === "string";
    case "array": return Array.isArray(v);
    case "object": return isObject(v);
    default: return false;
  }
}

/** JSON equality: 1 == 1.0, true != 1, arrays and objects compared deeply. */
export function jsonEqual(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length
      && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}

const codePoints = (s) => [...s].length;
const num = (test) => (arg, v) => !isNumber(v) || test(v, arg);

// A pattern is tested against at most this many characters (a longer answer never
// matches), as on the server (PATTERN_INPUT_LIMIT in miniapps/core/records/patterns.py).
// Publishing refuses patterns that backtrack catastrophically (pattern_checks.py); the
// limit bounds what remains (at worst quadratic) to well under a second.
export const PATTERN_INPUT_LIMIT = 10000;

const compiled = new Map();

/** The RegExp for a pattern, compiled once; null when the browser cannot read it. The `u`
 * flag is JSON Schema's dialect; the server reads and runs patterns the same way
 * (miniapps/core/records/patterns.py; tests/js/ecma_patterns.test.mjs holds both to the
 * same answers). */
function regexFor(source) {
  if (!compiled.has(source)) {
    let regex = null;
    try {
      regex = new RegExp(source, "u");
    } catch {
      regex = null; // refused when publishing; never matches here rather than break the page
    }
    compiled.set(source, regex);
  }
  return compiled.get(source);
}

export function patternMatches(source, text) {
  if (text.length > PATTERN_INPUT_LIMIT && codePoints(text) > PATTERN_INPUT_LIMIT) return false;
  const regex = regexFor(source);
  return regex !== null && regex.test(text);
}

const KEYWORDS = {
  type: (arg, v) => (typeof arg === "string" ? [arg] : arg).some((t) => isType(t, v)),
  const: (arg, v) => jsonEqual(arg, v),
  enum: (arg, v) => arg.some((a) => jsonEqual(a, v)),
  minimum: num((v, a) => v >= a),
  maximum: num((v, a) => v <= a),
  exclusiveMinimum: num((v, a) => v > a),
  exclusiveMaximum: num((v, a) => v < a),
  pattern: (arg, v) => typeof v !== "string" || patternMatches(arg, v),
  minLength: (arg, v) => typeof v !== "string" || codePoints(v) >= arg,
  maxLength: (arg, v) => typeof v !== "string" || codePoints(v) <= arg,
  contains: (arg, v) => !Array.isArray(v) || v.some((x) => matches(arg, x)),
  not: (arg, v) => !matches(arg, v),
  allOf: (arg, v) => arg.every((s) => matches(s, v)),
  anyOf: (arg, v) => arg.some((s) => matches(s, v)),
  required: (arg, v) => !isObject(v) || arg.every((k) => Object.hasOwn(v, k)),
  properties: (arg, v) => !isObject(v)
    || Object.entries(arg).every(([k, s]) => !Object.hasOwn(v, k) || matches(s, v[k])),
};

/** Whether `value` satisfies `cond` (the supported subset of JSON Schema). */
export function matches(cond, value) {
  if (typeof cond === "boolean") return cond;
  return Object.entries(cond).every(
    ([key, arg]) => ANNOTATIONS.has(key) || KEYWORDS[key](arg, value),
  );
}

const escapeToken = (t) => String(t).replaceAll("~", "~0").replaceAll("/", "~1");
const unescapeToken = (t) => t.replaceAll("~1", "/").replaceAll("~0", "~");
export const pointerJoin = (base, ...parts) => parts.reduce((p, t) => `${p}/${escapeToken(t)}`, base);
export const pointerParts = (p) => (p ? p.replace(/^\//, "").split("/").map(unescapeToken) : []);
