// The app studio's enhancements (templates/studio/). Everything here also works without
// JavaScript through the pages' own forms; this only makes it quicker:
// - drag a question onto another of the same object to move it to that place: posts
//   the row's own form with the `move_field` edit (what the Up/Down buttons post);
// - the JSON tab is checked as you type (POST /studio/<id>/check -> {"issues": [...]});
// - a condition's answer list shows only the answers of the question chosen.

/** The position a dragged question takes when dropped on `target` (both among the same
 *  siblings): the target's own place, so dropping on a later item moves down to it. */
export function dropIndex(targetPosition) {
  return String(Number(targetPosition));
}

function hidden(name, value) {
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = name;
  input.value = value;
  return input;
}

/** Whether a drag from `source` may drop on `target`: questions of the same object only. */
export function sameList(source, target) {
  return source !== target && source.dataset.parent === target.dataset.parent;
}

/** The text of the issues box: "No problems" or one line per issue. */
export function issueSummary(issues) {
  if (!issues.length) return "No problems: the validator accepts this definition.";
  return `${issues.length} problem${issues.length === 1 ? "" : "s"}`;
}

function csrfToken(form) {
  return form.querySelector("input[name=csrf_token]")?.value ?? "";
}

async function post(url, data) {
  return fetch(url, {
    method: "POST",
    body: data,
    headers: { Accept: "application/json", "X-CSRFToken": data.get("csrf_token") ?? "" },
    credentials: "same-origin",
  });
}

function enhanceDrag(list) {
  let dragged = null;
  for (const item of list.querySelectorAll("li[data-pointer]")) {
    item.draggable = true;
    item.addEventListener("dragstart", (event) => {
      dragged = item;
      item.classList.add("studio-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.pointer);
    });
    item.addEventListener("dragend", () => {
      item.classList.remove("studio-dragging");
      dragged = null;
    });
    item.addEventListener("dragover", (event) => {
      if (dragged && sameList(dragged, item)) {
        event.preventDefault();
        item.classList.add("studio-drop-target");
      }
    });
    item.addEventListener("dragleave", () => item.classList.remove("studio-drop-target"));
    item.addEventListener("drop", (event) => {
      item.classList.remove("studio-drop-target");
      if (!dragged || !sameList(dragged, item)) return;
      event.preventDefault();
      // The row's own form, posted as the browser posts it: the page that comes back is
      // the saved draft, or the conflict page, or the refusal, as for any button.
      const form = dragged.querySelector("form");
      form.append(hidden("op", "move_field"), hidden("to_index", dropIndex(item.dataset.position)));
      form.submit();
    });
  }
}

function enhanceJson(form) {
  const box = form.querySelector("textarea[name=definition]");
  const out = document.querySelector("[data-studio-issues]");
  if (!box || !out) return;
  let timer = null;
  let asked = 0;
  const check = async () => {
    const mine = ++asked;
    const data = new FormData();
    data.set("csrf_token", csrfToken(form));
    data.set("definition", box.value);
    const response = await post(form.dataset.checkUrl, data);
    if (!response.ok || mine !== asked) return; // a later check is on its way
    const { issues } = await response.json();
    out.replaceChildren();
    const heading = document.createElement(issues.length ? "h2" : "p");
    heading.className = issues.length ? "nhsuk-heading-s" : "nhsuk-body-s";
    heading.textContent = issueSummary(issues);
    out.append(heading);
    if (issues.length) {
      const list = document.createElement("ul");
      list.className = "studio-issues";
      for (const line of issues) {
        const item = document.createElement("li");
        item.textContent = line;
        list.append(item);
      }
      out.append(list);
    }
  };
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  form.dataset.studioReady = "true"; // typing is checked from now on
}

function enhanceCondition(form) {
  const question = form.querySelector("select[name=question]");
  const answer = form.querySelector("select[name=answer]");
  if (!question || !answer) return;
  const show = () => {
    let first = null;
    for (const group of answer.querySelectorAll("optgroup")) {
      const mine = group.dataset.question === question.value;
      group.hidden = !mine;
      group.disabled = !mine;
      if (mine) first = first ?? group.querySelector("option");
    }
    const chosen = answer.selectedOptions[0];
    if (first && (!chosen || chosen.parentElement.disabled)) first.selected = true;
  };
  question.addEventListener("change", show);
  show();
}

if (globalThis.document) {
  for (const list of document.querySelectorAll("[data-studio-fields]")) enhanceDrag(list);
  for (const form of document.querySelectorAll("form[data-studio-json]")) enhanceJson(form);
  for (const form of document.querySelectorAll("form[data-studio-condition]")) {
    enhanceCondition(form);
  }
}
