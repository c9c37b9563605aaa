// Renumbering of cloned repeat items (repeat.mjs), on a tiny stand-in for the DOM.
import assert from "node:assert/strict";
import { test } from "node:test";

import { renumber } from "../../platform/miniapps/static/js/repeat.mjs";

class El {
  constructor(tag, attrs = {}, children = []) {
    this.tagName = tag.toUpperCase();
    this.attrs = { ...attrs };
    this.children = children;
    this.parent = null;
    this.textContent = attrs._text ?? "";
    delete this.attrs._text;
    for (const c of children) c.parent = this;
    this.dataset = new Proxy({}, {
      get: (_, k) => this.attrs[`data-${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`],
      set: (_, k, v) => { this.attrs[`data-${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`] = v; return true; },
    });
  }
  get name() { return this.attrs.name; }
  getAttribute(k) { return this.attrs[k] ?? null; }
  setAttribute(k, v) { this.attrs[k] = v; }
  descendants() { return this.children.flatMap((c) => [c, ...c.descendants()]); }
  querySelectorAll(sel) {
    if (sel === "*") return this.descendants();
    const attr = sel.match(/^\[([\w-]+)\]$/)[1];
    return this.descendants().filter((e) => attr in e.attrs);
  }
  closest(sel) {
    const cls = sel.slice(1);
    for (let e = this; e; e = e.parent) if ((e.attrs.class ?? "").split(" ").includes(cls)) return e;
    return null;
  }
}

test("renumber rewrites names, ids, labels, pointers and the remove button of one item", () => {
  const number = new El("span", { "data-item-number": "", _text: "2" });
  const nested = new El("div", { "data-repeat": "/courses/1/sessions", "data-repeat-name": "courses-1-sessions" }, [
    new El("button", { name: "_repeat_add", value: "/courses/1/sessions" }),
  ]);
  const item = new El("div", { class: "miniapps-repeat__item", "data-pointer": "/courses/1", "data-index": "1" }, [
    new El("legend", {}, [number]),
    new El("div", { "data-pointer": "/courses/1/name" }, [
      new El("label", { for: "courses-1-name" }),
      new El("input", { id: "courses-1-name", name: "courses-1-name", "aria-describedby": "courses-1-name-hint courses-10-x" }),
    ]),
    new El("input", { id: "courses-10-name", name: "courses-10-name" }),
    nested,
    new El("button", { name: "_repeat_remove", value: "/courses/1" }),
  ]);
  renumber(item, "courses", "/courses", 1, 2);
  const [legend, field, other, , remove] = item.children;
  assert.equal(item.attrs["data-pointer"], "/courses/2");
  assert.equal(item.attrs["data-index"], "2");
  assert.equal(legend.children[0].textContent, "3");
  assert.equal(field.attrs["data-pointer"], "/courses/2/name");
  assert.equal(field.children[0].attrs.for, "courses-2-name");
  assert.equal(field.children[1].attrs.name, "courses-2-name");
  assert.equal(field.children[1].attrs["aria-describedby"], "courses-2-name-hint courses-10-x");
  assert.equal(other.attrs.name, "courses-10-name"); // another index is left alone
  assert.equal(nested.attrs["data-repeat"], "/courses/2/sessions");
  assert.equal(nested.attrs["data-repeat-name"], "courses-2-sessions");
  assert.equal(nested.children[0].attrs.value, "/courses/2/sessions");
  assert.equal(remove.attrs.value, "/courses/2");
});

test("renumber also rewrites the names inside a nested section's <template>", () => {
  // A copied item holds the template of its own nested section; its content is not a
  // child in the DOM, so it has to be renumbered explicitly.
  const template = new El("template", { "data-repeat-template": "" });
  template.content = new El("fragment", {}, [
    new El("div", { class: "miniapps-repeat__item", "data-pointer": "/courses/3/sessions/0", "data-index": "0" }, [
      new El("input", { id: "courses-3-sessions-0-date", name: "courses-3-sessions-0-date" }),
    ]),
  ]);
  const item = new El("div", { class: "miniapps-repeat__item", "data-pointer": "/courses/3", "data-index": "3" }, [
    new El("div", { "data-repeat": "/courses/3/sessions", "data-repeat-name": "courses-3-sessions" }, [template]),
  ]);
  renumber(item, "courses", "/courses", 3, 1);
  const [inner] = template.content.children;
  assert.equal(inner.attrs["data-pointer"], "/courses/1/sessions/0");
  assert.equal(inner.children[0].attrs.name, "courses-1-sessions-0-date");
  assert.equal(inner.children[0].attrs.id, "courses-1-sessions-0-date");
});
