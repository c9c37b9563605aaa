// Live conditional fields: the browser twin of miniapps/core/forms/conditions.py.
//
// The rules are rendered into the page as <script type="application/json" id="form-rules">.
// `evaluate(rules, data)` must give the same answer as the Python `evaluate`; the shared
// cases in tests/core/forms/condition_cases.json are run through both (pytest and node --test).
// Semantics (JSON Schema's own): keywords ignore values of other types and `properties`
// only checks members that are present, so an `if` without `required` matches an absent
// field. Without JavaScript the server applies the same rules on submit.

const ANNOTATIONS = new Set(["title", "description", "$comment"]);

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

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

const KEYWORDS = {
  type: (arg, v) => (typeof arg === "string" ? [arg] : arg).some((t) => isType(t, v)),
  const: (arg, v) => jsonEqual(arg, v),
  enum: (arg, v) => arg.some((a) => jsonEqual(a, v)),
  minimum: num((v, a) => v >= a),
  maximum: num((v, a) => v <= a),
  exclusiveMinimum: num((v, a) => v > a),
  exclusiveMaximum: num((v, a) => v < a),
  pattern: (arg, v) => typeof v !== "string" || new RegExp(arg, "u").test(v),
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

function* expand(tokens, value, base) {
  if (tokens.length === 0) {
    yield [base, isObject(value) ? value : {}];
    return;
  }
  const [head, ...rest] = tokens;
  if (head === "-") {
    const items = Array.isArray(value) ? value : [];
    for (let i = 0; i < items.length; i += 1) yield* expand(rest, items[i], pointerJoin(base, i));
  } else {
    const child = isObject(value) && Object.hasOwn(value, head) ? value[head] : null;
    yield* expand(rest, child, pointerJoin(base, head));
  }
}

const within = (p, ancestor) => p === ancestor || p.startsWith(`${ancestor}/`);

function evaluateOnce(rules, data) {
  const shown = new Map();
  const required = new Set();
  for (const rule of rules) {
    for (const [scope, obj] of expand(pointerParts(rule.scope), data, "")) {
      const hit = matches(rule.when, obj);
      const active = hit ? rule.then : rule.else;
      const inactive = hit ? rule.else : rule.then;
      for (const key of active.show) shown.set(pointerJoin(scope, key), true);
      for (const key of inactive.show) {
        const p = pointerJoin(scope, key);
        if (!shown.has(p)) shown.set(p, false);
      }
      for (const key of active.require) required.add(pointerJoin(scope, key));
    }
  }
  const hidden = new Set([...shown].filter(([, visible]) => !visible).map(([p]) => p));
  const stillRequired = new Set([...required].filter((p) => ![...hidden].some((h) => within(p, h))));
  return { hidden, required: stillRequired };
}

const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));

/** `{hidden: Set, required: Set}` of pointers for `data`, exactly as conditions.py computes. */
export function evaluate(rules, data) {
  let state = evaluateOnce(rules, data);
  for (let i = 0; i < rules.length; i += 1) {
    const again = evaluateOnce(rules, dropHidden(data, state));
    if (sameSet(again.hidden, state.hidden)) return again;
    state = again;
  }
  return state;
}

/** A copy of `data` without the values of hidden fields. */
export function dropHidden(data, state) {
  const result = structuredClone(data);
  const byDepth = [...state.hidden].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const pointer of byDepth) {
    const tokens = pointerParts(pointer);
    let target = result;
    for (const token of tokens.slice(0, -1)) {
      if (Array.isArray(target) && /^\d+$/.test(token) && Number(token) < target.length) {
        target = target[Number(token)];
      } else if (isObject(target) && Object.hasOwn(target, token)) {
        target = target[token];
      } else {
        target = null;
        break;
      }
    }
    if (isObject(target)) delete target[tokens.at(-1)];
  }
  return result;
}

// --- the page ---------------------------------------------------------------------------

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function leafValue(wrapper) {
  const widget = wrapper.dataset.widget;
  const choices = wrapper.dataset.choices ? JSON.parse(wrapper.dataset.choices) : {};
  const pick = (key) => (Object.hasOwn(choices, key) ? choices[key] : key);
  if (widget === "radios" || widget === "select") {
    const el = wrapper.querySelector("input:checked, select");
    return el && el.value !== "" ? pick(el.value) : undefined;
  }
  if (widget === "checkboxes") {
    const values = [...wrapper.querySelectorAll("input[type=checkbox]:checked")].map((el) => pick(el.value));
    return values.length ? values : undefined;
  }
  if (widget === "checkbox") return wrapper.querySelector("input:checked") ? true : undefined;
  if (widget === "file") return wrapper.dataset.current || undefined;
  if (widget === "date") {
    const part = (p) => (wrapper.querySelector(`input[name$="-${p}"]`)?.value ?? "").trim();
    const [d, m, y] = ["day", "month", "year"].map(part);
    if (!d && !m && !y) return undefined;
    if (/^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y)) {
      return `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
    }
    return `${y}-${m}-${d}`;
  }
  const el = wrapper.querySelector("input, textarea");
  const raw = el ? el.value.trim() : "";
  if (raw === "") return undefined;
  if (widget === "number") return NUMBER.test(raw) ? Number(raw) : raw;
  if (wrapper.dataset.kind === "array") return raw.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  return raw;
}

function setAt(data, pointer, value) {
  const tokens = pointerParts(pointer);
  let target = data;
  tokens.forEach((token, i) => {
    const last = i === tokens.length - 1;
    const key = Array.isArray(target) ? Number(token) : token;
    if (last) {
      if (value !== undefined) target[key] = value;
    } else {
      if (target[key] === undefined || target[key] === null) {
        target[key] = /^\d+$/.test(tokens[i + 1]) ? [] : {};
      }
      target = target[key];
    }
  });
}

/** The record data as the form currently holds it (repeat items kept even when empty). */
export function readForm(root) {
  const data = {};
  for (const wrapper of root.querySelectorAll("[data-pointer][data-widget]")) {
    const { pointer, widget } = wrapper.dataset;
    if (widget === "item") setAt(data, pointer, {});
    else if (widget !== "fieldset" && widget !== "repeat") setAt(data, pointer, leafValue(wrapper));
  }
  // Items are created in document order, so arrays have no holes; compact just in case.
  const compact = (v) => (Array.isArray(v) ? v.filter((x) => x !== undefined).map(compact)
    : isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)])) : v);
  return compact(data);
}

/** Show/hide wrappers and required markers in `root` for the current input. */
export function apply(root, rules) {
  const state = evaluate(rules, readForm(root));
  for (const wrapper of root.querySelectorAll("[data-pointer]")) {
    wrapper.hidden = state.hidden.has(wrapper.dataset.pointer);
  }
  for (const marker of root.querySelectorAll('[data-required-marker="conditional"]')) {
    const owner = marker.closest("[data-pointer]");
    marker.hidden = !(owner && state.required.has(owner.dataset.pointer));
  }
  return state;
}

/** Wire the page: read #form-rules and re-apply on every input and change. */
export function init(doc = globalThis.document) {
  const script = doc?.getElementById("form-rules");
  if (!script) return;
  const rules = JSON.parse(script.textContent);
  const root = script.closest("form") ?? doc;
  const run = () => apply(root, rules);
  root.addEventListener("input", run);
  root.addEventListener("change", run);
  root.addEventListener("miniapps:repeat", run);
  run();
}

if (globalThis.document) init();
