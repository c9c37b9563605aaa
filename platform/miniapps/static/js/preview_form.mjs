// A form preview is for looking only: it never submits. (A script file rather than an
// inline onsubmit handler, which the Content-Security-Policy forbids.)
for (const form of document.querySelectorAll("form[data-miniapps-preview]")) {
  form.addEventListener("submit", (event) => event.preventDefault());
}
