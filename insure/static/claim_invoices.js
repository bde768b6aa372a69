// The claim form's invoice rows (templates/claims/new.html): "Add another invoice" and "Remove this invoice"
// work without JavaScript (the server sends the form back with a row more or less); with it, rows are added and
// removed here, without a round trip. Rows are named invoices[i].<field>; the server renumbers them in order.
"use strict";

(() => {
  const list = document.getElementById("invoices");
  const add = document.getElementById("add-invoice");
  if (!list || !add) return;
  const legend = list.dataset.legend || "#";
  const removeLabel = list.dataset.removeLabel || "×";
  let next = Math.max(...[...list.querySelectorAll("fieldset.invoice")].map((f) => Number(f.dataset.invoice))) + 1;

  const removeButton = () => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link remove-invoice";
    button.textContent = removeLabel;
    return button;
  };

  add.addEventListener("click", (event) => {
    const rows = list.querySelectorAll("fieldset.invoice");
    if (rows.length >= 50) return; // the server refuses more (and says so); let it answer
    event.preventDefault();
    const row = rows[rows.length - 1].cloneNode(true);
    const index = next++;
    row.dataset.invoice = String(index);
    row.querySelectorAll("p.error").forEach((p) => p.remove());
    row.querySelectorAll("button[name=remove_invoice], button.remove-invoice").forEach((b) => b.remove());
    row.querySelectorAll("input, label").forEach((el) => {
      for (const attr of ["name", "id", "for"]) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/^invoices\[\d+\]/, `invoices[${index}]`));
      }
      if (el instanceof HTMLInputElement) {
        el.value = "";
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
      }
    });
    row.querySelector("legend").textContent = legend.replace("#", String(list.children.length + 1));
    row.appendChild(removeButton());
    list.appendChild(row);
    row.querySelector("input").focus();
  });

  list.addEventListener("click", (event) => {
    const button = event.target;
    if (!(button instanceof HTMLButtonElement)) return;
    if (!(button.name === "remove_invoice" || button.classList.contains("remove-invoice"))) return;
    if (list.querySelectorAll("fieldset.invoice").length <= 1) return;
    event.preventDefault();
    button.closest("fieldset.invoice").remove();
    list.querySelectorAll("fieldset.invoice legend").forEach((l, i) => {
      l.textContent = legend.replace("#", String(i + 1));
    });
  });
})();
