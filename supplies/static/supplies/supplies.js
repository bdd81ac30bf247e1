// The movement form on a supply's page: the destination field only matters for a transfer,
// and a stocktake asks for the counted balance rather than a change.
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("[data-movement-form]");
    if (!form) return;
    var kind = form.querySelector("[name=kind]");
    var target = form.querySelector("[name=to_storage_point]");
    var targetField = target ? target.closest(".field") : null;

    function sync() {
      if (!targetField) return;
      var transfer = kind.value === "transfer";
      targetField.classList.toggle("is-hidden", !transfer);
      if (!transfer) target.value = "";
    }

    kind.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
