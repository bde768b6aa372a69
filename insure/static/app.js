// Small behaviours of the pages, kept out of the HTML so that the Content-Security-Policy can forbid
// inline script (insure/web/headers.py).
"use strict";

// <select data-submit-on-change>: choosing an option sends its form (the compare page's kind of insurance).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});
