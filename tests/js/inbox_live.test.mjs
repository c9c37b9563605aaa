// The live inbox (inbox_live.mjs) on a tiny stand-in for the DOM, with a fake EventSource,
// a fake page fetch and a manual clock. Run: node --test tests/js/
import assert from "node:assert/strict";
import { test } from "node:test";

import { FALLBACK_MS, LIVE_HINT, announcement, follow, itemsIn } from "../../platform/miniapps/static/js/inbox_live.mjs";

/** A results region listing items ``[[id, changed], ...]``. */
function region(items, total = items.length) {
  const links = items.map(([id, changed]) => ({ id: `item-${id}`, dataset: { itemId: String(id), changed } }));
  const el = {
    links,
    total,
    replacedBy: null,
    querySelectorAll: (selector) => (selector === "[data-item-id]" ? links : []),
    contains: (node) => links.includes(node),
    replaceWith(other) {
      this.replacedBy = other;
      page.results = other;
    },
  };
  return el;
}

let page;

function makePage(items) {
  page = {
    results: region(items),
    announcer: { textContent: "" },
    hint: { textContent: "Refresh the page to see new items and changes." },
  };
  page.root = {
    dataset: { streamUrl: "/inbox/stream?since=m1" },
    querySelector: (selector) =>
      ({
        "[data-inbox-results]": page.results,
        "[data-inbox-announcer]": page.announcer,
        "[data-inbox-hint]": page.hint,
      })[selector],
  };
  return page;
}

class FakeSource {
  static made = [];
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.listeners = {};
    this.readyState = 0;
    this.closed = false;
    FakeSource.made.push(this);
  }
  addEventListener(kind, fn) {
    (this.listeners[kind] ||= []).push(fn);
  }
  emit(kind) {
    for (const fn of this.listeners[kind] || []) fn({ type: kind });
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
}

/** A fetch that answers each call with the next page (``[[id, changed], ...]`` or a status). */
function server(answers) {
  const calls = [];
  return {
    calls,
    fetchPage: async () => {
      calls.push(1);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      if (typeof next === "number") return { ok: false, text: "" };
      return { ok: true, text: JSON.stringify(next) };
    },
    parse: (text) => ({ querySelector: () => region(JSON.parse(text)) }),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("itemsIn and announcement: new items are counted, changed ones said otherwise", () => {
  const before = itemsIn(region([[1, "a"], [2, "b"]]));
  assert.deepEqual([...before.keys()], ["1", "2"]);
  assert.equal(announcement(before, itemsIn(region([[3, "c"], [1, "a"], [2, "b"]]))), "1 new item");
  assert.equal(announcement(before, itemsIn(region([[4, "d"], [3, "c"], [1, "a"]]))), "2 new items");
  assert.equal(announcement(before, itemsIn(region([[1, "a2"], [2, "b"]]))), "1 item updated");
  assert.equal(announcement(before, itemsIn(region([[1, "a"], [2, "b"]]))), null);
});

test("a change event fetches the page and swaps the results, announcing new items", async () => {
  FakeSource.made = [];
  const { root } = makePage([[1, "a"]]);
  const fake = server([[[2, "b"], [1, "a"]]]);
  follow(root, { EventSourceImpl: FakeSource, fetchPage: fake.fetchPage, parse: fake.parse, schedule: () => assert.fail("no polling with a stream"), doc: null });
  assert.equal(page.hint.textContent, LIVE_HINT, "the hint says the page updates by itself");
  assert.equal(root.dataset.live, "stream");
  const [source] = FakeSource.made;
  assert.equal(source.url, "/inbox/stream?since=m1");
  source.emit("open");
  assert.equal(root.dataset.connected, "true");
  source.emit("ready");
  assert.equal(fake.calls.length, 0, "ready changes nothing");
  source.emit("change");
  await settle();
  assert.equal(fake.calls.length, 1);
  assert.deepEqual([...itemsIn(page.results).keys()], ["2", "1"]);
  assert.equal(page.announcer.textContent, "1 new item");
});

test("changes arriving during a fetch lead to one more fetch, not lost updates", async () => {
  FakeSource.made = [];
  const { root } = makePage([[1, "a"]]);
  const fake = server([[[2, "b"], [1, "a"]], [[3, "c"], [2, "b"], [1, "a"]]]);
  follow(root, { EventSourceImpl: FakeSource, fetchPage: fake.fetchPage, parse: fake.parse, doc: null });
  const [source] = FakeSource.made;
  source.emit("change");
  source.emit("change");
  source.emit("change");
  await settle();
  await settle();
  assert.equal(fake.calls.length, 2);
  assert.deepEqual([...itemsIn(page.results).keys()], ["3", "2", "1"]);
});

test("focus on an item link stays on that item after the swap", async () => {
  FakeSource.made = [];
  const { root } = makePage([[1, "a"]]);
  const focused = page.results.links[0];
  let refocused = null;
  const fake = server([[[2, "b"], [1, "a"]]]);
  const doc = {
    activeElement: focused,
    getElementById: (id) => page.results.links.find((link) => link.id === id) && { focus: () => (refocused = id) },
  };
  follow(root, { EventSourceImpl: FakeSource, fetchPage: fake.fetchPage, parse: fake.parse, doc });
  FakeSource.made[0].emit("change");
  await settle();
  assert.equal(refocused, "item-1");
});

test("without EventSource the page fetches itself every FALLBACK_MS", async () => {
  const { root } = makePage([[1, "a"]]);
  const timers = [];
  const fake = server([[[1, "a"]], [[2, "b"], [1, "a"]], 403]);
  follow(root, { EventSourceImpl: undefined, fetchPage: fake.fetchPage, parse: fake.parse, schedule: (fn, ms) => timers.push({ fn, ms }), doc: null });
  assert.equal(root.dataset.live, "poll");
  assert.equal(timers[0].ms, FALLBACK_MS);
  await timers.shift().fn();
  assert.equal(page.announcer.textContent, "");
  await timers.shift().fn();
  assert.equal(page.announcer.textContent, "1 new item");
  assert.equal(timers.length, 1);
  await timers.shift().fn(); // refused (signed out): stop
  assert.equal(timers.length, 0);
});

test("a refused stream falls back to polling; the server's end event closes it", async () => {
  FakeSource.made = [];
  const { root } = makePage([]);
  const timers = [];
  follow(root, { EventSourceImpl: FakeSource, fetchPage: async () => ({ ok: true, text: "[]" }), parse: (t) => ({ querySelector: () => region(JSON.parse(t)) }), schedule: (fn, ms) => timers.push({ fn, ms }), doc: null });
  const [source] = FakeSource.made;
  source.readyState = 0; // reconnecting: the browser retries by itself
  source.emit("error");
  assert.equal(timers.length, 0);
  source.readyState = 2;
  source.emit("error");
  assert.equal(timers.length, 1);
  source.emit("end");
  assert.equal(source.closed, true);
});
