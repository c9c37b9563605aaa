// Live progress of a background import (apps/import_progress.html). The page works
// without this: a meta refresh inside <noscript> reloads it until the import has finished.
// With it, the bar, its ARIA values and its text follow the JSON progress endpoint, a
// polite live region announces each phase and every quarter (not every poll), and the page
// reloads once when the import has finished, so the server shows the result or problems.

export const POLL_MS = 1000;
export const MAX_WAIT_MS = 10000;
export const MILESTONES = [25, 50, 75];

const determinate = (snapshot) => typeof snapshot.percent === "number";

/** Show one progress snapshot: bar width, ARIA values and the words beside the bar. */
export function render(parts, snapshot) {
  const { bar, value, text } = parts;
  if (determinate(snapshot)) {
    bar.classList.remove("miniapps-progress--indeterminate");
    bar.setAttribute("aria-valuenow", String(snapshot.percent));
    bar.setAttribute("aria-valuetext", snapshot.text);
    value.style.width = `${snapshot.percent}%`;
  } else {
    bar.classList.add("miniapps-progress--indeterminate");
    bar.removeAttribute("aria-valuenow");
    bar.removeAttribute("aria-valuetext");
    value.style.width = "0%";
  }
  text.textContent = snapshot.state === "importing" ? `${snapshot.text} (${snapshot.percent}%)` : snapshot.text;
}

/** What the live region should say after ``snapshot`` (or null to stay quiet). */
export function announcement(previous, snapshot) {
  if (snapshot.finished) return "The import has finished. Showing the result.";
  if (!previous || previous.state !== snapshot.state) return snapshot.text;
  if (!determinate(snapshot) || !determinate(previous)) return null;
  const passed = MILESTONES.some((mark) => previous.percent < mark && snapshot.percent >= mark);
  return passed ? snapshot.text : null;
}

/**
 * Poll ``root``'s progress endpoint until the import has finished, then ``reload()``.
 * Network trouble backs off (up to MAX_WAIT_MS) and tries again; an answer of 404 (the
 * import has gone) reloads too, so the server's own page explains. Returns ``stop()``.
 */
export function follow(root, { fetchJson = defaultFetch, schedule = setTimeout, reload = () => globalThis.location.reload() } = {}) {
  const parts = {
    bar: root.querySelector("[data-progress-bar]"),
    value: root.querySelector(".miniapps-progress__value"),
    text: root.querySelector("[data-progress-text]"),
  };
  const announcer = root.querySelector("[data-progress-announcer]");
  const url = root.dataset.progressUrl;
  let previous = { state: root.dataset.state, percent: numberOrNull(root.dataset.percent) };
  let wait = POLL_MS;
  let stopped = false;

  async function tick() {
    if (stopped) return;
    let answer;
    try {
      answer = await fetchJson(url);
    } catch {
      wait = Math.min(wait * 2, MAX_WAIT_MS);
      schedule(tick, wait);
      return;
    }
    if (answer.status === 404) {
      reload();
      return;
    }
    const snapshot = answer.body;
    const said = announcement(previous, snapshot);
    if (said && announcer) announcer.textContent = said;
    render(parts, snapshot);
    previous = snapshot;
    if (snapshot.finished) {
      reload();
      return;
    }
    wait = POLL_MS;
    schedule(tick, wait);
  }

  schedule(tick, POLL_MS);
  return () => {
    stopped = true;
  };
}

function numberOrNull(raw) {
  return raw === undefined || raw === "" ? null : Number(raw);
}

async function defaultFetch(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  if (response.status === 404) return { status: 404, body: null };
  if (!response.ok) throw new Error(`progress answered ${response.status}`);
  return { status: response.status, body: await response.json() };
}

if (globalThis.document) {
  for (const root of document.querySelectorAll("[data-import-progress]")) follow(root);
}
