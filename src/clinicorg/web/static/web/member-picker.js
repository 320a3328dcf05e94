(function () {
  // Progressive enhancement of the member pickers (web/widgets/member_picker.html): the id
  // field becomes hidden and a search box offers the people the scoped search returns.
  // Without scripts the id field stays, and the form posts what was typed.
  var counter = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setup(box) {
    var field = box.querySelector("input[name]");
    var multiple = box.hasAttribute("data-multiple");
    var url = box.dataset.searchUrl;
    var uid = "picker-" + ++counter;
    var fallback = box.querySelector(".picker-fallback");
    if (fallback) fallback.hidden = true;

    var search = el("input", "picker-search");
    search.type = "text";
    search.id = field.id || uid + "-input";
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-controls", uid + "-list");
    search.autocomplete = "off";
    search.placeholder = multiple ? "Type a name or email to add" : "Type a name or email";
    if (field.getAttribute("aria-describedby")) {
      search.setAttribute("aria-describedby", field.getAttribute("aria-describedby"));
    }
    field.id = search.id + "-value";
    field.type = "hidden";

    var list = el("ul", "picker-results");
    list.id = uid + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = el("p", "picker-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var chips = el("ul", "picker-chips");
    box.insertBefore(search, field.nextSibling);
    box.insertBefore(list, search.nextSibling);
    box.insertBefore(status, list.nextSibling);

    var chosenLabel = box.querySelector("[data-picker-chosen]");
    var clear = el("button", "link picker-clear", "Clear");
    clear.type = "button";
    var chosenText = "";
    if (multiple) {
      box.insertBefore(chips, search);
    } else {
      if (chosenLabel && field.value) search.value = chosenText = chosenLabel.textContent;
      var chosenLine = box.querySelector(".picker-chosen");
      if (chosenLine) chosenLine.hidden = true;
      clear.hidden = !field.value;
      box.insertBefore(clear, list);
      clear.addEventListener("click", function () {
        field.value = "";
        search.value = chosenText = "";
        clear.hidden = true;
        status.textContent = "Cleared; nobody is chosen.";
        search.focus();
      });
    }

    function ids() {
      return field.value.split(/[\s,;]+/).filter(Boolean);
    }

    function addChip(id, label) {
      var li = el("li", "picker-chip");
      li.dataset.id = id;
      li.appendChild(el("span", "", label));
      var remove = el("button", "link", "Remove");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove " + label);
      remove.addEventListener("click", function () {
        field.value = ids().filter(function (x) { return x !== id; }).join(", ");
        li.remove();
        status.textContent = label + " removed.";
        search.focus();
      });
      li.appendChild(remove);
      chips.appendChild(li);
    }

    var items = [];
    var active = -1;
    var pending = null;
    var timer = null;

    function close() {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        search.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      }
    }

    function choose(item) {
      var label = item.name + " · " + item.email;
      if (multiple) {
        if (ids().indexOf(String(item.id)) === -1) {
          field.value = ids().concat([String(item.id)]).join(", ");
          addChip(String(item.id), label);
        }
        search.value = "";
        status.textContent = label + " added.";
      } else {
        field.value = String(item.id);
        search.value = chosenText = label;
        clear.hidden = false;
        status.textContent = label + " chosen.";
      }
      close();
    }

    function show(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        close();
        status.textContent = "Nobody matches “" + search.value.trim() + "”.";
        return;
      }
      found.forEach(function (item, i) {
        var li = el("li", "picker-option");
        li.id = uid + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(el("span", "picker-name", item.name));
        li.appendChild(el("span", "picker-meta", item.email + " · " + item.location));
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();  // keep the focus in the search box
          choose(item);
        });
        list.appendChild(li);
      });
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
      status.textContent = found.length + " found; use the arrow keys and Enter to choose.";
      highlight(-1);
    }

    function lookup() {
      var q = search.value.trim();
      if (!multiple && !q) {
        field.value = chosenText = "";
        clear.hidden = true;
      }
      if (q.length < 2) { close(); return; }
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + "&q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: {"Accept": "application/json"},
        signal: pending.signal
      })
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) { show(data.items || []); })
        .catch(function () {});
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 150);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && items.length) {
        event.preventDefault();
        if (list.hidden) { list.hidden = false; search.setAttribute("aria-expanded", "true"); }
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp" && items.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault();  // choosing must not submit the form
        if (active >= 0) choose(items[active]); else if (items.length === 1) choose(items[0]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    search.addEventListener("blur", function () {
      setTimeout(function () {
        close();
        // Text typed but not chosen from the list changes nothing: show what will be saved.
        if (!multiple && search.value !== chosenText) search.value = chosenText;
      }, 100);
    });
    if (multiple) {
      // Ids already in the field (a form shown again with an error) keep a chip each.
      ids().forEach(function (id) { addChip(id, "Member " + id); });
    }
  }

  document.querySelectorAll("[data-member-picker]").forEach(setup);
})();
