// The browser evaluator against the cases shared with the Python one
// (tests/core/forms/condition_cases.json). Run: node --test tests/js/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  dropHidden, evaluate, matches, withoutRefused,
} from "../../platform/miniapps/static/js/conditions.mjs";

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
    assert.deepEqual(Object.fromEntries(state.choices), c.choices ?? {});
  });
}

test("dropHidden removes hidden values and leaves the input alone", () => {
  const data = { a: 1, b: { c: 2, d: 3 }, items: [{ x: 1, y: 2 }, { x: 3 }] };
  const out = dropHidden(data, { hidden: new Set(["/b/c", "/items/0/y", "/missing/z"]) });
  assert.deepEqual(out, { a: 1, b: { d: 3 }, items: [{ x: 1 }, { x: 3 }] });
  assert.deepEqual(data.b, { c: 2, d: 3 });
});

test("withoutRefused drops answers no longer allowed, as choice_rules.without_refused", () => {
  const data = { pick: ["a", "b"], one: "a", keep: ["z"], items: [{ r: "p" }, { r: "q" }] };
  const choices = new Map([
    ["/pick", ["b"]], ["/one", ["b"]], ["/keep", ["z"]], ["/items/1/r", ["p"]], ["/gone", [1]],
  ]);
  const expected = { pick: ["b"], keep: ["z"], items: [{ r: "p" }, {}] };
  assert.deepEqual(withoutRefused(data, choices), expected);
  const { pick, ...rest } = data;
  assert.deepEqual(withoutRefused(data, new Map([["/pick", ["c"]]])), rest);
  assert.deepEqual(pick, ["a", "b"]);
  assert.equal(data.one, "a");
  assert.equal(withoutRefused(data, new Map([["/pick", ["a", "b"]]])), data);
});
