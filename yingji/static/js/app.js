// Small behaviours shared by every page. CSP forbids inline scripts, so pages declare
// what they need with data-* attributes and this file wires it up.
(function () {
  "use strict";

  function setupNavToggle() {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Menu groups are <details>: opening one closes the others, and a click elsewhere closes all.
  function setupNavGroups() {
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-nav-group]"));
    if (!groups.length) return;
    groups.forEach(function (group) {
      group.addEventListener("toggle", function () {
        if (!group.open) return;
        groups.forEach(function (other) { if (other !== group) other.open = false; });
      });
    });
    document.addEventListener("click", function (event) {
      groups.forEach(function (group) { if (group.open && !group.contains(event.target)) group.open = false; });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") groups.forEach(function (group) { group.open = false; });
    });
  }

  // <form data-confirm="确定归档？"> asks before submitting (archive, end position).
  function setupConfirm(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.confirmBound) return;
      form.dataset.confirmBound = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupNavToggle();
    setupNavGroups();
    setupConfirm(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    setupConfirm(event.target);
  });
})();
