// Repeating sections without a round trip: "Add a ..." / "Add another ..." copies the
// section's <template> item (the server renders one blank item after the last), "Remove"
// deletes one, and the names, ids, labels and data-pointers are renumbered so the server
// reads them exactly as if it had rendered them. A section starts with no item unless its
// minItems applies now: when a condition makes a shown section required, it gets its
// minItems items. Without JavaScript the same buttons are plain submit buttons
// (_repeat_add / _repeat_remove) and the server re-renders the form.

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rewrite `${prefix}${from}` to `${prefix}${to}` at the start of each attribute value. */
export function renumber(root, name, pointer, from, to) {
  const nameRe = new RegExp(`^${escapeRe(name)}-${from}(?=-|$)`);
  const ptrRe = new RegExp(`^${escapeRe(pointer)}/${from}(?=/|$)`);
  const idList = (value) => value.split(/\s+/).map((v) => v.replace(nameRe, `${name}-${to}`)).join(" ");
  // A nested section's <template> holds this item's names too (its content is not a child).
  const inside = (node) => [...node.querySelectorAll("*")]
    .flatMap((el) => (el.tagName === "TEMPLATE" && el.content ? [el, ...inside(el.content)] : [el]));
  const els = [root, ...inside(root)];
  for (const el of els) {
    for (const attr of ["name", "id", "for", "aria-describedby", "aria-controls", "data-aria-controls", "data-repeat-name"]) {
      const value = el.getAttribute(attr);
      if (value) el.setAttribute(attr, attr === "aria-describedby" ? idList(value) : value.replace(nameRe, `${name}-${to}`));
    }
    for (const attr of ["data-pointer", "data-repeat", "value"]) {
      const value = el.getAttribute(attr);
      const button = el.name === "_repeat_remove" || el.name === "_repeat_add";
      if (value && ptrRe.test(value) && (attr !== "value" || button)) {
        el.setAttribute(attr, value.replace(ptrRe, `${pointer}/${to}`));
      }
    }
  }
  if (root.dataset.index !== undefined) root.dataset.index = String(to);
  for (const span of root.querySelectorAll("[data-item-number]")) {
    // Only this item's own numbers, not those of a nested repeat.
    if (span.closest(".miniapps-repeat__item") === root) span.textContent = String(to + 1);
  }
}

const own = (section, selector, owner = "[data-repeat]") => [...section.querySelectorAll(selector)]
  .find((el) => el.closest(owner) === section);
const itemsOf = (section) => [...section.querySelector(".miniapps-repeat__items").children];

/** Whether the section must be answered now: its "(required)" marker is showing. */
export function requiredNow(section) {
  const marker = own(section, "legend [data-required-marker]");
  return Boolean(marker && !marker.hidden && !section.closest("[hidden]"));
}

function refresh(section) {
  const count = itemsOf(section).length;
  const min = requiredNow(section) ? Number(section.dataset.minItems || 0) : 0;
  const max = section.dataset.maxItems ? Number(section.dataset.maxItems) : Infinity;
  const add = own(section, ".miniapps-repeat__add");
  if (add) add.hidden = count >= max;
  const button = own(section, "[data-repeat-add]");
  // Only when it changes: rewriting a button's text under a pressed mouse loses the click.
  const label = count ? button?.dataset.addMore : button?.dataset.addFirst;
  if (label && button.textContent.trim() !== label) button.textContent = label;
  for (const item of itemsOf(section)) {
    const remove = [...item.querySelectorAll(".miniapps-repeat__remove")]
      .find((b) => b.closest(".miniapps-repeat__item") === item);
    if (remove) remove.hidden = count <= min;
  }
}

/** Append a blank item (a copy of the section's <template>); returns the new item. */
export function addItem(section) {
  const items = itemsOf(section);
  const template = own(section, "template[data-repeat-template]");
  const copy = template.content.firstElementChild.cloneNode(true);
  renumber(copy, section.dataset.repeatName, section.dataset.repeat, Number(copy.dataset.index), items.length);
  section.querySelector(".miniapps-repeat__items").append(copy);
  refresh(section);
  return copy;
}

/** Give every shown section that must be answered now its minItems items; returns the
 * sections that got new items. */
export function fillRequired(root) {
  const filled = [];
  for (const section of root.querySelectorAll("[data-repeat]")) {
    const min = Number(section.dataset.minItems || 0);
    if (requiredNow(section) && itemsOf(section).length < min) {
      while (itemsOf(section).length < min) addItem(section);
      filled.push(section);
    }
    refresh(section);
  }
  return filled;
}

/** Remove `item` and renumber the items after it. */
export function removeItem(section, item) {
  const items = itemsOf(section);
  const index = items.indexOf(item);
  item.remove();
  for (let i = index + 1; i < items.length; i += 1) {
    renumber(items[i], section.dataset.repeatName, section.dataset.repeat, i, i - 1);
  }
  refresh(section);
}

/** Handle the add/remove buttons in `root` (the buttons still work as submits without JS). */
export function init(root = globalThis.document) {
  if (!root) return;
  for (const section of root.querySelectorAll("[data-repeat]")) refresh(section);
  // conditions.mjs listens on the <form> and so runs first: markers are up to date here.
  root.addEventListener("change", () => {
    for (const section of fillRequired(root)) {
      section.dispatchEvent(new CustomEvent("miniapps:repeat", { bubbles: true }));
    }
  });
  root.addEventListener("click", (event) => {
    const button = event.target.closest?.("[data-repeat-add], [data-repeat-remove]");
    if (!button) return;
    const section = button.closest("[data-repeat]");
    if (!section) return;
    event.preventDefault();
    if (button.matches("[data-repeat-add]")) {
      const item = addItem(section);
      item.querySelector("input, textarea, select")?.focus();
    } else {
      removeItem(section, button.closest(".miniapps-repeat__item"));
      section.querySelector("[data-repeat-add]")?.focus();
    }
    section.dispatchEvent(new CustomEvent("miniapps:repeat", { bubbles: true }));
  });
}

if (globalThis.document) init();
