// The browser's patterns (condition_language.mjs) give the JSON Schema Test Suite's answers
// for `pattern`, `patternProperties` and optional/ecmascript-regex, and this engine's answers
// on ecma_pattern_cases.json. tests/core/records/test_ecma_patterns.py holds the server to
// the same answers, so browser and server agree on every one.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

import {
  isObject, matches, patternMatches,
} from "../../platform/miniapps/static/js/condition_language.mjs";

const SUITE = new URL("../json_schema_suite/tests/draft2020-12/", import.meta.url);
const SUITE_FILES = [
  "pattern.json", "patternProperties.json", "optional/ecmascript-regex.json",
  "optional/non-bmp-regex.json",
];
const CASES = JSON.parse(fs.readFileSync(new URL("./ecma_pattern_cases.json", import.meta.url)));

/** The schema without `$schema`, which the condition language does not take. */
function bare(schema) {
  const rest = { ...schema };
  delete rest.$schema;
  return rest;
}

/** A suite schema's answer: `patternProperties` and `additionalProperties` are worked out
 * here with patternMatches (the condition language has no such keywords); the rest is
 * `matches`, as in a condition. */
function valid(schema, value) {
  if (typeof schema === "boolean") return schema;
  const { patternProperties, additionalProperties, ...rest } = bare(schema);
  if (!matches(rest, value)) return false;
  if (!isObject(value) || patternProperties === undefined) return true;
  return Object.entries(value).every(([key, member]) => {
    const covering = Object.keys(patternProperties).filter((p) => patternMatches(p, key));
    if (covering.length === 0) return additionalProperties !== false;
    return covering.every((p) => valid(patternProperties[p], member));
  });
}

for (const file of SUITE_FILES) {
  const groups = JSON.parse(fs.readFileSync(new URL(file, SUITE)));
  test(`JSON Schema Test Suite: ${file}`, () => {
    for (const group of groups) {
      for (const { description, data, valid: expected } of group.tests) {
        assert.equal(valid(group.schema, data), expected, `${group.description}: ${description}`);
      }
    }
  });
}

test("the generated cases: this engine still gives the recorded answers", () => {
  for (const [pattern, answers] of Object.entries(CASES.matched)) {
    const got = CASES.texts.map((t) => (patternMatches(pattern, t) ? "1" : "0")).join("");
    assert.equal(got, answers, pattern);
  }
  for (const pattern of CASES.refused) {
    assert.throws(() => new RegExp(pattern, "u"), SyntaxError, pattern);
    assert.equal(patternMatches(pattern, ""), false, pattern); // never matches: the page goes on
  }
  assert.ok(Object.keys(CASES.matched).length > 300 && CASES.refused.length > 200);
});

test("ECMA 262 meaning where the suite says nothing", () => {
  assert.equal(patternMatches("^.$", "\r"), false); // . stops at every line end
  assert.equal(patternMatches("^.$", "\u2028"), false);
  assert.equal(patternMatches("^\\s$", "\u3000"), true); // \s is every Unicode space
  assert.equal(patternMatches("^\\s$", "\u0085"), false); // but not NEL
  assert.equal(patternMatches("\\bé", " é"), false); // \b is ASCII
  assert.equal(patternMatches("^[^]$", "\n"), true);
  assert.equal(patternMatches("[]", "a"), false);
  assert.equal(patternMatches("(?<=\\$\\d+)\\.\\d\\d", "$12.50"), true);
  assert.equal(patternMatches("^(?<y>\\d{2})-\\k<y>$", "12-12"), true);
  assert.equal(patternMatches("^(?<y>\\d{2})-\\k<y>$", "12-13"), false);
});
