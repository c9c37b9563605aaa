// The browser evaluator against the cases shared with the Python one
// (tests/core/forms/condition_cases.json). Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { dropHidden, evaluate, matches } from "../../platform/miniapps/static/js/conditions.mjs";

const cases = JSON.parse(readFileSync(new URL("../core/forms/condition_cases.json", import.meta.url), "utf8"));

for (const c of cases.matches) {
  test(`matches ${JSON.stringify(c.condition)} ${JSON.stringify(c.value)}`, () => {
    assert.equal(matches(c.condition, c.value), c.expected);
  });
}

for (const c of cases.evaluate) {
  test(`evaluate: ${c.name}`, () => {
    const state = evaluate(c.rules, c.data);
    assert.deepEqual([...state.hidden].sort(), c.hidden);
    assert.deepEqual([...state.required].sort(), c.required);
  });
}

test("dropHidden removes hidden values and leaves the input alone", () => {
  const data = { a: 1, b: { c: 2, d: 3 }, items: [{ x: 1, y: 2 }, { x: 3 }] };
  const out = dropHidden(data, { hidden: new Set(["/b/c", "/items/0/y", "/missing/z"]) });
  assert.deepEqual(out, { a: 1, b: { d: 3 }, items: [{ x: 1 }, { x: 3 }] });
  assert.deepEqual(data.b, { c: 2, d: 3 });
});
