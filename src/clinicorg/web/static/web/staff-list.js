(function () {
  // Employee Center: "select every member on this page", the count of the selection, and the
  // status choice shown only for "Change status". Without scripts the boxes and the bar work
  // as a plain form; the confirmation page names the count either way.
  var bar = document.getElementById("bulk");
  if (!bar) return;
  var all = document.querySelector("[data-bulk-all]");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[name=ids][form=bulk]"));
  var count = bar.querySelector("[data-bulk-count]");
  var action = bar.querySelector("[data-bulk-action]");
  var status = bar.querySelector("[data-bulk-status]");

  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    count.textContent = n ? n + " selected:" : "Tick members, then:";
    if (all) {
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    }
  }
  if (all && boxes.length) {
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  function toggleStatus() { status.hidden = action.value !== "status"; }
  action.addEventListener("change", toggleStatus);
  toggleStatus();
  update();
})();
