// The studio editor's enhancements (static/js/studio.mjs): the pure parts.
// Run: node --test tests/js/
import assert from "node:assert/strict";
import { test } from "node:test";

import { dropIndex, issueSummary, sameList } from "../../platform/miniapps/static/js/studio.mjs";

test("a dropped question takes the place of the one it was dropped on", () => {
  assert.equal(dropIndex("0"), "0");
  assert.equal(dropIndex("3"), "3");
});

test("questions move only among the questions of the same object", () => {
  const item = (parent) => ({ dataset: { parent } });
  const top = item("");
  assert.equal(sameList(top, item("")), true);
  assert.equal(sameList(top, item("/courses/-")), false);
  assert.equal(sameList(top, top), false);
});

test("the issues box counts the problems, or says there are none", () => {
  assert.equal(issueSummary([]), "No problems: the validator accepts this definition.");
  assert.equal(issueSummary(["/title: is required"]), "1 problem");
  assert.equal(issueSummary(["a", "b"]), "2 problems");
});
