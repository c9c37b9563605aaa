// Live inbox (inbox/index.html). The page works without this: a refresh shows what has
// arrived. With it, an EventSource on /inbox/stream hears each change (a marker that moves
// when an item arrives or changes); the page then fetches itself (same filters, same page)
// and swaps in the new results region and count, and a polite live region says how many
// items are new. Where EventSource is missing, or the stream is refused, the page fetches
// itself every FALLBACK_MS instead. Focus inside the results stays on the same link.

export const FALLBACK_MS = 2000;
export const LIVE_HINT = "This page updates by itself: new items and changes appear without reloading.";

/** ``{id: changed}`` for the items listed in a results region. */
export function itemsIn(region) {
  const found = new Map();
  for (const link of region.querySelectorAll("[data-item-id]")) {
    found.set(link.dataset.itemId, link.dataset.changed || "");
  }
  return found;
}

/** What the live region should say when ``before`` becomes ``after`` (or null). */
export function announcement(before, after) {
  let added = 0;
  let changed = 0;
  for (const [id, stamp] of after) {
    if (!before.has(id)) added += 1;
    else if (before.get(id) !== stamp) changed += 1;
  }
  if (added) return added === 1 ? "1 new item" : `${added} new items`;
  if (changed) return changed === 1 ? "1 item updated" : `${changed} items updated`;
  return null;
}

/**
 * Follow ``root`` ([data-inbox-live]). Dependencies are injectable for tests:
 * ``EventSourceImpl`` (null: none), ``fetchPage()`` resolving to {ok, text},
 * ``parse(html)`` to a document, ``schedule(fn, ms)``, ``doc`` for focus.
 * Returns ``stop()``.
 */
export function follow(root, {
  EventSourceImpl = globalThis.EventSource,
  fetchPage = () => defaultFetch(globalThis.location.href),
  parse = (html) => new DOMParser().parseFromString(html, "text/html"),
  schedule = setTimeout,
  doc = globalThis.document,
} = {}) {
  const announcer = root.querySelector("[data-inbox-announcer]");
  const hint = root.querySelector("[data-inbox-hint]");
  let stopped = false;
  let busy = false;
  let again = false;
  let source = null;
  let polling = false;

  async function refresh() {
    if (stopped) return false;
    if (busy) {
      again = true;
      return true;
    }
    busy = true;
    try {
      const answer = await fetchPage();
      if (!answer.ok) return false;
      const fresh = parse(answer.text).querySelector("[data-inbox-results]");
      const current = root.querySelector("[data-inbox-results]");
      if (!fresh || !current) return false;
      swap(current, fresh);
      return true;
    } catch {
      return true; // the network blinked: the next change or poll tries again
    } finally {
      busy = false;
      if (again && !stopped) {
        again = false;
        refresh();
      }
    }
  }

  function swap(current, fresh) {
    const said = announcement(itemsIn(current), itemsIn(fresh));
    const active = doc && doc.activeElement;
    const focusId = active && active.id && current.contains(active) ? active.id : null;
    current.replaceWith(fresh);
    if (focusId && doc) {
      const target = doc.getElementById(focusId);
      if (target) target.focus();
    }
    if (said && announcer) announcer.textContent = said;
  }

  function poll() {
    if (polling || stopped) return;
    polling = true;
    const tick = async () => {
      if (stopped) return;
      const keepGoing = await refresh();
      if (keepGoing) schedule(tick, FALLBACK_MS);
    };
    schedule(tick, FALLBACK_MS);
  }

  if (hint) hint.textContent = LIVE_HINT;
  if (typeof EventSourceImpl === "function") {
    source = new EventSourceImpl(root.dataset.streamUrl);
    // "connected": the stream is open (and after each reconnection), for tests and styling.
    source.addEventListener("open", () => {
      root.dataset.connected = "true";
    });
    source.addEventListener("change", () => refresh());
    source.addEventListener("end", () => source.close());
    source.addEventListener("error", () => {
      delete root.dataset.connected;
      // CLOSED: the server refused the stream (signed out, no access): poll instead, which
      // stops by itself when the page cannot be fetched either.
      if (source.readyState === 2) poll();
    });
  } else {
    poll();
  }
  root.dataset.live = source ? "stream" : "poll";

  return () => {
    stopped = true;
    if (source) source.close();
  };
}

async function defaultFetch(url) {
  const response = await fetch(url, {
    headers: { Accept: "text/html" },
    cache: "no-store",
    credentials: "same-origin",
    redirect: "manual", // signed out: the sign-in page is not an inbox (ok is false)
  });
  return { ok: response.ok, text: response.ok ? await response.text() : "" };
}

if (globalThis.document) {
  for (const root of document.querySelectorAll("[data-inbox-live]")) follow(root);
}
