// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select && select.form) {
    select.form.submit();
  }
});

// Live progress of long work (a campaign being sent): poll a JSON endpoint and update the fields.
for (const box of document.querySelectorAll("[data-poll-url]")) {
  const refresh = async () => {
    const response = await fetch(box.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    for (const field of box.querySelectorAll("[data-field]")) {
      const value = data[field.dataset.field];
      if (value === undefined) continue;
      if (field.tagName === "PROGRESS") field.value = value; else field.textContent = value;
    }
    const progressBar = box.querySelector('[data-field="progress"]');
    if (progressBar) progressBar.value = data.percent;
    if (data.queued > 0) setTimeout(refresh, 1500); else window.location.reload();
  };
  setTimeout(refresh, 1500);
}

// A person who never chose a time zone is proposed the browser's (the server marks those fields): never over a
// choice, and only a zone the time zone database knows by that name.
for (const input of document.querySelectorAll("input[data-propose-zone]")) {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    zone = "";
  }
  if (zone && (!input.value || input.value === "UTC")) input.value = zone;
}
