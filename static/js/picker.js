// The organisation picker (organizations/includes/picker_*.html), progressively enhanced: the results follow the
// filters as one types, and what was ticked stays ticked across searches. Without this file the filters are a
// plain GET form and everything works the same, a page at a time.
(() => {
  const filters = document.querySelector("form[data-picker-filters]");
  const choose = document.querySelector("form[data-picker-choose]");
  if (!filters || !choose) return;

  // Organisations ticked in earlier results, kept as hidden fields while they are out of view.
  const kept = document.createElement("div");
  kept.hidden = true;
  choose.append(kept);
  const ticked = () => new Set([...choose.querySelectorAll('input[name="organizations"]')].filter((box) => box.checked || box.type === "hidden").map((box) => box.value));

  let timer = null;
  let latest = 0;
  const refresh = async () => {
    const query = new URLSearchParams(new FormData(filters)).toString();
    const request = ++latest;
    const response = await fetch(`${window.location.pathname}?${query}`, { credentials: "same-origin" });
    if (!response.ok || request !== latest) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const before = ticked();
    for (const part of document.querySelectorAll("[data-picker-refresh][id]")) {
      const replacement = fresh.getElementById(part.id);
      if (replacement) part.replaceWith(document.importNode(replacement, true));
    }
    kept.replaceChildren();
    const shown = new Set();
    for (const box of choose.querySelectorAll('input[type="checkbox"][name="organizations"]')) {
      box.checked = before.has(box.value);
      shown.add(box.value);
    }
    for (const value of before) {
      if (shown.has(value)) continue;
      const hidden = document.createElement("input");
      Object.assign(hidden, { type: "hidden", name: "organizations", value });
      kept.append(hidden);
    }
    window.history.replaceState(null, "", `?${query}`);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  };
  // A filter changed before this file ran (or restored by the browser on going back) differs from what the page was
  // rendered with: catch the results up with it.
  const edited = (field) => {
    if (field.options && !field.multiple) {
      return field.selectedIndex !== Math.max(0, [...field.options].findIndex((option) => option.defaultSelected));
    }
    if (field.options) return [...field.options].some((option) => option.selected !== option.defaultSelected);
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    return "defaultValue" in field && field.value !== field.defaultValue;
  };
  if ([...filters.elements].some(edited)) refresh();
  filters.addEventListener("input", later);
  filters.addEventListener("change", later);
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
})();
