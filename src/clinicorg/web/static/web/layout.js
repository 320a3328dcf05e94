/* The layout's small behaviours (the page works without them):
   - below the narrow breakpoint the main navigation folds behind the Menu button;
   - a table wider than its card scrolls inside it and can be reached with the keyboard. */
(function () {
  var root = document.documentElement;
  root.classList.add("js");

  function setUp() {
    var button = document.querySelector(".menu-button");
    var nav = button && button.closest(".sidebar");
    if (button && nav) {
      button.addEventListener("click", function () {
        var open = !nav.classList.contains("open");
        nav.classList.toggle("open", open);
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
      document.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && nav.classList.contains("open")) {
          nav.classList.remove("open");
          button.setAttribute("aria-expanded", "false");
          button.focus();
        }
      });
    }
    markScrollableTables();
    window.addEventListener("resize", markScrollableTables);
  }

  function markScrollableTables() {
    var tables = document.querySelectorAll("table.list, table.dash-table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      if (t.scrollWidth > t.clientWidth + 1) {
        t.setAttribute("tabindex", "0");
      } else if (t.getAttribute("tabindex") === "0") {
        t.removeAttribute("tabindex");
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
