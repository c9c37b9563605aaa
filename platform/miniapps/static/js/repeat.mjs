// Repeating sections without a round trip: "Add another" clones an item, "Remove" deletes
// one, and the names, ids, labels and data-pointers are renumbered so the server reads
// them exactly as if it had rendered them. Without JavaScript the same buttons are plain
// submit buttons (_repeat_add / _repeat_remove) and the server re-renders the form.

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Rewrite `${prefix}${from}` to `${prefix}${to}` at the start of each attribute value. */
export function renumber(root, name, pointer, from, to) {
  const nameRe = new RegExp(`^${escapeRe(name)}-${from}(?=-|$)`);
  const ptrRe = new RegExp(`^${escapeRe(pointer)}/${from}(?=/|$)`);
  const idList = (value) => value.split(/\s+/).map((v) => v.replace(nameRe, `${name}-${to}`)).join(" ");
  const els = [root, ...root.querySelectorAll("*")];
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

function clearValues(item) {
  for (const el of item.querySelectorAll("input, textarea, select")) {
    if (el.type === "checkbox" || el.type === "radio") el.checked = false;
    else if (el.tagName === "SELECT") el.selectedIndex = 0;
    else if (el.type !== "submit" && el.type !== "button") el.value = "";
  }
  for (const el of item.querySelectorAll(".nhsuk-error-message")) el.remove();
  for (const cls of ["nhsuk-form-group--error", "nhsuk-input--error", "nhsuk-textarea--error", "nhsuk-select--error"]) {
    for (const el of item.querySelectorAll(`.${cls}`)) el.classList.remove(cls);
  }
  for (const el of item.querySelectorAll("[aria-describedby]")) {
    const ids = el.getAttribute("aria-describedby").split(/\s+/).filter((id) => !id.endsWith("-error"));
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  // Nested repeats start with one item.
  for (const list of item.querySelectorAll(".miniapps-repeat__items")) {
    [...list.children].slice(1).forEach((extra) => extra.remove());
  }
}

const itemsOf = (section) => [...section.querySelector(".miniapps-repeat__items").children];

function refresh(section) {
  const count = itemsOf(section).length;
  const min = Number(section.dataset.minItems || 1);
  const max = section.dataset.maxItems ? Number(section.dataset.maxItems) : Infinity;
  const add = [...section.querySelectorAll(".miniapps-repeat__add")]
    .find((el) => el.closest(".miniapps-repeat") === section);
  if (add) add.hidden = count >= max;
  for (const item of itemsOf(section)) {
    const remove = [...item.querySelectorAll(".miniapps-repeat__remove")]
      .find((b) => b.closest(".miniapps-repeat__item") === item);
    if (remove) remove.hidden = count <= min;
  }
}

/** Append a cleared copy of the last item; returns the new item. */
export function addItem(section) {
  const items = itemsOf(section);
  const last = items.at(-1);
  const copy = last.cloneNode(true);
  clearValues(copy);
  renumber(copy, section.dataset.repeatName, section.dataset.repeat, items.length - 1, items.length);
  last.after(copy);
  refresh(section);
  return copy;
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
