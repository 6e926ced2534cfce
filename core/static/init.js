// Start GOV.UK Frontend's components (error summary focus, buttons, tabs and the rest).
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();

// A "Print" button works only with script, so it starts hidden and shows itself here.
for (const button of document.querySelectorAll("[data-cspr-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
