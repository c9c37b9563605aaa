// The condition language's `pattern` in the browser cannot hang the page (issue 15, fault 3).
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";

import {
  PATTERN_INPUT_LIMIT, matches, patternMatches,
} from "../../platform/miniapps/static/js/condition_language.mjs";

const MODULE = new URL("../../platform/miniapps/static/js/condition_language.mjs", import.meta.url);

/** `matches(condition, value)` in a worker, or "timeout" when it takes over `ms`. */
function matchesWithin(condition, value, ms) {
  const source = `
    import { parentPort, workerData } from "node:worker_threads";
    const { matches } = await import(workerData.module);
    parentPort.postMessage(matches(workerData.condition, workerData.value));
  `;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), {
    workerData: { module: MODULE.href, condition, value },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => worker.terminate().then(() => resolve("timeout")), ms);
    worker.once("message", (answer) => {
      clearTimeout(timer);
      worker.terminate().then(() => resolve(answer));
    });
    worker.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

test("a catastrophic pattern does not run on an answer over the limit", async () => {
  const answer = `${"a".repeat(PATTERN_INPUT_LIMIT)}!`;
  assert.equal(await matchesWithin({ pattern: "^(a+)+$" }, answer, 5000), false);
});

test("the limit counts characters, not UTF-16 units, as the server does", () => {
  const emoji = "\u{1F600}".repeat(PATTERN_INPUT_LIMIT); // 2 units each
  assert.equal(patternMatches("^\\p{Emoji}+$", emoji), true);
  assert.equal(patternMatches("^\\p{Emoji}+$", `${emoji}\u{1F600}`), false);
  assert.equal(patternMatches("^a", "a".repeat(PATTERN_INPUT_LIMIT + 1)), false);
  assert.equal(matches({ not: { pattern: "^a" } }, "a".repeat(PATTERN_INPUT_LIMIT + 1)), true);
});

test("a pattern the browser cannot read never matches and does not break the page", () => {
  assert.equal(matches({ pattern: "a\\-b" }, "a-b"), false); // u flag: no identity escape
  assert.equal(matches({ pattern: "[" }, "["), false);
  assert.equal(matches({ pattern: "^\\d{3}$" }, "123"), true); // and compiled ones still work
});

test("patterns that publishing allows stay fast on answers built to make them backtrack", async () => {
  const cases = [
    ["^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", `a@${"a.".repeat(PATTERN_INPUT_LIMIT / 2 - 2)} `],
    ["^.*urgent.*$", "urgen".repeat(PATTERN_INPUT_LIMIT / 5)],
    ["^(\\d+,)+$", `${"1,".repeat(PATTERN_INPUT_LIMIT / 2 - 1)}x`],
  ];
  for (const [pattern, answer] of cases) {
    assert.notEqual(await matchesWithin({ pattern }, answer, 5000), "timeout", pattern);
  }
});
