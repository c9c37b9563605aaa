// The live import progress (import_progress.mjs) on a tiny stand-in for the DOM, with a
// fake endpoint and a manual clock. Run: node --test tests/js/
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_WAIT_MS, POLL_MS, announcement, follow, render } from "../../platform/miniapps/static/js/import_progress.mjs";

class El {
  constructor(attrs = {}, classes = []) {
    this.attrs = { ...attrs };
    this.classes = new Set(classes);
    this.style = {};
    this.textContent = "";
    this.classList = {
      add: (c) => this.classes.add(c),
      remove: (c) => this.classes.delete(c),
    };
  }
  getAttribute(k) { return this.attrs[k] ?? null; }
  setAttribute(k, v) { this.attrs[k] = v; }
  removeAttribute(k) { delete this.attrs[k]; }
}

function page(state = "checking", percent = "") {
  const parts = {
    "[data-progress-bar]": new El({ role: "progressbar" }, ["miniapps-progress--indeterminate"]),
    ".miniapps-progress__value": new El(),
    "[data-progress-text]": new El(),
    "[data-progress-announcer]": new El(),
  };
  return {
    parts,
    root: {
      dataset: { progressUrl: "/apps/x/import/t/progress", state, percent },
      querySelector: (selector) => parts[selector],
    },
  };
}

const checking = { state: "checking", finished: false, done: 0, total: 0, percent: null, text: "Checking 5,000 rows before saving" };
const importing = (done, total = 5000) => ({
  state: "importing",
  finished: false,
  done,
  total,
  percent: Math.floor((done * 100) / total),
  text: `Imported ${done.toLocaleString("en-GB")} of ${total.toLocaleString("en-GB")} rows`,
});
const done = { state: "done", finished: true, done: 5000, total: 5000, percent: 100, text: "Imported 5,000 of 5,000 rows" };

test("render sets the width, the ARIA values and the words", () => {
  const { parts, root } = page();
  const bits = { bar: root.querySelector("[data-progress-bar]"), value: parts[".miniapps-progress__value"], text: parts["[data-progress-text]"] };
  render(bits, importing(1200));
  assert.equal(bits.value.style.width, "24%");
  assert.equal(bits.bar.getAttribute("aria-valuenow"), "24");
  assert.equal(bits.bar.getAttribute("aria-valuetext"), "Imported 1,200 of 5,000 rows");
  assert.equal(bits.text.textContent, "Imported 1,200 of 5,000 rows (24%)");
  assert.ok(!bits.bar.classes.has("miniapps-progress--indeterminate"));
  render(bits, checking); // no figure: indeterminate, no aria-valuenow
  assert.equal(bits.bar.getAttribute("aria-valuenow"), null);
  assert.ok(bits.bar.classes.has("miniapps-progress--indeterminate"));
  assert.equal(bits.text.textContent, "Checking 5,000 rows before saving");
});

test("announcements: phase changes and each quarter, not every poll", () => {
  assert.equal(announcement({ state: "checking", percent: null }, checking), null);
  assert.equal(announcement(checking, importing(0)), "Imported 0 of 5,000 rows");
  assert.equal(announcement(importing(0), importing(1000)), null);
  assert.equal(announcement(importing(1000), importing(1300)), "Imported 1,300 of 5,000 rows");
  assert.equal(announcement(importing(1300), importing(1400)), null);
  assert.equal(announcement(importing(1400), importing(4000)), "Imported 4,000 of 5,000 rows");
  assert.match(announcement(importing(4000), done), /finished/);
});

function harness(answers) {
  const calls = [];
  const timers = [];
  let reloads = 0;
  const options = {
    fetchJson: async (url) => {
      calls.push(url);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    schedule: (fn, ms) => timers.push({ fn, ms }),
    reload: () => {
      reloads += 1;
    },
  };
  const run = async () => {
    const timer = timers.shift();
    await timer.fn();
    return timer.ms;
  };
  return { calls, timers, options, run, reloads: () => reloads };
}

test("follow polls until finished, then reloads once for the result", async () => {
  const { parts, root } = page();
  const h = harness([
    { status: 200, body: checking },
    { status: 200, body: importing(2500) },
    { status: 200, body: done },
  ]);
  follow(root, h.options);
  assert.equal(await h.run(), POLL_MS);
  assert.equal(parts["[data-progress-text]"].textContent, "Checking 5,000 rows before saving");
  await h.run();
  assert.equal(parts[".miniapps-progress__value"].style.width, "50%");
  assert.equal(parts["[data-progress-announcer]"].textContent, "Imported 2,500 of 5,000 rows");
  await h.run();
  assert.equal(h.reloads(), 1);
  assert.equal(h.timers.length, 0, "no more polling once finished");
  assert.deepEqual(new Set(h.calls), new Set(["/apps/x/import/t/progress"]));
});

test("network trouble backs off; a 404 reloads so the server can explain", async () => {
  const { root } = page("importing", "10");
  const h = harness([new Error("offline"), new Error("offline"), { status: 200, body: importing(600) }, { status: 404, body: null }]);
  follow(root, h.options);
  await h.run();
  assert.equal(h.timers[0].ms, POLL_MS * 2);
  await h.run();
  assert.equal(h.timers[0].ms, Math.min(POLL_MS * 4, MAX_WAIT_MS));
  await h.run();
  assert.equal(h.timers[0].ms, POLL_MS, "back to the normal pace after an answer");
  await h.run();
  assert.equal(h.reloads(), 1);
  assert.equal(h.timers.length, 0);
});
