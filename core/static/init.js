// Start GOV.UK Frontend's components (error summary focus, buttons, tabs and the rest).
import { initAll } from "/assets/govuk-frontend.min.js";

initAll();
