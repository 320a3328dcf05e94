(function () {
  // Progressive enhancement: search without leaving the page (unsaved edits stay) and add
  // codes to the field with one click. Without scripts the search form reloads the page.
  var input = document.getElementById("id_taxonomy_codes");
  var box = document.querySelector(".taxonomy-search");
  var form = box.querySelector("form");
  function wire(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var codes = input.value.toUpperCase().split(/[\s,;]+/).filter(Boolean);
      if (codes.indexOf(button.dataset.code) === -1) codes.push(button.dataset.code);
      input.value = codes.join(", ");
      button.textContent = "Added";
    });
  }
  box.querySelectorAll(".add-code").forEach(wire);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = form.querySelector("input[name=tq]").value.trim();
    if (!q) return;
    fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var old = box.querySelector("#taxonomy-results, .no-results");
        if (old) old.remove();
        if (!data.items.length) {
          var p = document.createElement("p");
          p.className = "muted no-results";
          p.textContent = data.hint || ("No code matches “" + q + "”.");
          box.appendChild(p);
          return;
        }
        var ul = document.createElement("ul");
        ul.className = "plain small";
        ul.id = "taxonomy-results";
        data.items.forEach(function (item) {
          var li = document.createElement("li");
          var code = document.createElement("code");
          code.textContent = item.code;
          var b = document.createElement("button");
          b.type = "button"; b.className = "link add-code"; b.dataset.code = item.code;
          b.textContent = "Add";
          li.append(code, " " + item.label + " ", b);
          ul.appendChild(li);
          wire(b);
        });
        box.appendChild(ul);
      });
  });
})();
