// Small helpers for the review page; every form also works without script.
document.addEventListener("DOMContentLoaded", () => {
  // "Add" on a found invoice copies it into the allocation form as a new line.
  document.querySelectorAll("[data-add-invoice]").forEach((button) => {
    button.addEventListener("click", () => {
      const lines = document.getElementById("allocation-lines");
      const template = document.getElementById("allocation-line-template");
      if (!lines || !template) return;
      const line = template.content.firstElementChild.cloneNode(true);
      line.querySelector("[name=invoice]").value = button.dataset.addInvoice;
      line.querySelector("[name=amount]").value = button.dataset.open || "";
      lines.appendChild(line);
    });
  });
  // Ask before an action that is hard to take back.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
