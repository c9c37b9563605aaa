// Live conditional fields: the browser twin of miniapps/core/forms/conditions.py.
//
// The rules are rendered into the page as <script type="application/json" id="form-rules">.
// `evaluate(rules, data)` must give the same answer as the Python `evaluate`; the shared
// cases in tests/core/forms/condition_cases.json are run through both (pytest and node --test).
// Semantics (JSON Schema's own): keywords ignore values of other types and `properties`
// only checks members that are present, so an `if` without `required` matches an absent
// field. Without JavaScript the server applies the same rules on submit.
// A branch may narrow a choice field's options (`"choices": {key: [values]}` in the rule,
// see choice_rules.py): `state.choices` maps a pointer to the options allowed now; the
// page hides and unticks the others.

import {
  isObject, jsonEqual, matches, pointerJoin, pointerParts,
} from "./condition_language.mjs";

export { jsonEqual, matches, pointerJoin, pointerParts };

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

const among = (value, values) => values.some((v) => jsonEqual(value, v));

/** The field at `pointer` allows only `values`, with what it allows already (both apply). */
function allow(allowed, pointer, values) {
  const before = allowed.get(pointer);
  allowed.set(pointer, before ? before.filter((v) => among(v, values)) : [...values]);
}

function evaluateOnce(rules, data) {
  const shown = new Map();
  const required = new Set();
  const allowed = new Map();
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
      for (const [key, values] of Object.entries(active.choices ?? {})) {
        allow(allowed, pointerJoin(scope, key), values);
      }
    }
  }
  const hidden = new Set([...shown].filter(([, visible]) => !visible).map(([p]) => p));
  const shownNow = (p) => ![...hidden].some((h) => within(p, h));
  const stillRequired = new Set([...required].filter(shownNow));
  const choices = new Map([...allowed].filter(([p]) => shownNow(p)));
  return { hidden, required: stillRequired, choices };
}

const sameSet = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
const sameChoices = (a, b) => a.size === b.size
  && [...a].every(([p, values]) => b.has(p) && jsonEqual(values, b.get(p)));

function lookup(data, tokens) {
  let target = data;
  for (const token of tokens) {
    if (Array.isArray(target) && /^\d+$/.test(token) && Number(token) < target.length) {
      target = target[Number(token)];
    } else if (isObject(target) && Object.hasOwn(target, token)) {
      target = target[token];
    } else {
      return null;
    }
  }
  return target;
}

/** `data` without the answers `choices` no longer allows (as choice_rules.without_refused). */
export function withoutRefused(data, choices) {
  let result = data;
  for (const [pointer, values] of choices) {
    const tokens = pointerParts(pointer);
    const last = tokens.at(-1);
    const holder = lookup(result, tokens.slice(0, -1));
    if (!isObject(holder) || !Object.hasOwn(holder, last)) continue;
    const current = holder[last];
    let kept = [];
    if (Array.isArray(current)) {
      kept = current.filter((v) => among(v, values));
      if (kept.length === current.length) continue;
    } else if (among(current, values)) {
      continue;
    }
    result = structuredClone(result);
    const target = lookup(result, tokens.slice(0, -1));
    if (kept.length) target[last] = kept;
    else delete target[last];
  }
  return result;
}

/** `{hidden: Set, required: Set, choices: Map}` of pointers for `data`, exactly as
 * conditions.py computes. */
export function evaluate(rules, data) {
  let state = evaluateOnce(rules, data);
  for (let i = 0; i < rules.length; i += 1) {
    const again = evaluateOnce(rules, withoutRefused(dropHidden(data, state), state.choices));
    if (sameSet(again.hidden, state.hidden) && sameChoices(again.choices, state.choices)) {
      return again;
    }
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
    const target = lookup(result, tokens.slice(0, -1));
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

/** Offer only the options `allowed` (all when undefined) of a choice field: the others
 * are hidden with their labels (CSS hides their row) and unticked, as the server renders. */
export function applyChoices(wrapper, allowed) {
  const choices = JSON.parse(wrapper.dataset.choices);
  for (const el of wrapper.querySelectorAll("input[type=checkbox], input[type=radio], option")) {
    if (el.tagName === "OPTION" && el.value === "") continue;
    const value = Object.hasOwn(choices, el.value) ? choices[el.value] : el.value;
    const offered = allowed === undefined || among(value, allowed);
    el.hidden = !offered;
    if (el.tagName === "OPTION") {
      el.disabled = !offered;
      if (!offered && el.selected) el.closest("select").value = "";
    } else {
      const label = wrapper.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) label.hidden = !offered;
      if (!offered) el.checked = false;
    }
  }
}

/** Show/hide wrappers, options, sections and required markers in `root` for the input. */
export function apply(root, rules) {
  const state = evaluate(rules, readForm(root));
  for (const wrapper of root.querySelectorAll("[data-pointer]")) {
    wrapper.hidden = state.hidden.has(wrapper.dataset.pointer);
  }
  for (const wrapper of root.querySelectorAll("[data-pointer][data-choices]")) {
    applyChoices(wrapper, state.choices.get(wrapper.dataset.pointer));
  }
  // A section whose questions are all hidden is hidden too (its heading with them).
  for (const section of root.querySelectorAll("[data-section]")) {
    const fields = [...section.querySelectorAll(":scope > [data-pointer]")];
    section.hidden = fields.length > 0 && fields.every((f) => f.hidden);
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
