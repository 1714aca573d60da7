/* flowsg review report: sortable tables and the rule filters. No library, no network. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) {
      return "";
    }
    var value = cell.getAttribute("data-sort");
    return value !== null ? value : cell.textContent.trim();
  }

  function sortTable(table, index, numeric, header) {
    var body = table.tBodies[0];
    if (!body) {
      return;
    }
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index);
      var y = cellValue(b, index);
      var order;
      if (numeric) {
        order = (parseFloat(x) || 0) - (parseFloat(y) || 0);
      } else {
        order = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) {
      return;
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var numeric = header.classList.contains("num");
      header.tabIndex = 0;
      header.setAttribute("aria-sort", "none");
      header.setAttribute("title", "sort");
      header.addEventListener("click", function () {
        sortTable(table, index, numeric, header);
      });
      header.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sortTable(table, index, numeric, header);
        }
      });
    });
  });

  /* A toolbar filters the rows its data-rows selector names: every text box must match the row's
     text, every select (when not empty) the row's attribute named by its data-attr. Containers
     marked data-filter-group disappear when none of their rows is left. */
  Array.prototype.forEach.call(document.querySelectorAll(".toolbar[data-rows]"), function (bar) {
    var selector = bar.getAttribute("data-rows");
    var controls = bar.querySelectorAll("input, select");
    var count = bar.querySelector(".filter-count");

    function apply() {
      var rows = document.querySelectorAll(selector);
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var visible = true;
        Array.prototype.forEach.call(controls, function (control) {
          var wanted = control.value.trim().toLowerCase();
          if (!wanted) {
            return;
          }
          var attr = control.getAttribute("data-attr");
          var have = attr ? (row.getAttribute(attr) || "").toLowerCase() : row.textContent.toLowerCase();
          if (attr ? have !== wanted : have.indexOf(wanted) < 0) {
            visible = false;
          }
        });
        row.classList.toggle("hidden", !visible);
        if (visible) {
          shown += 1;
        }
      });
      Array.prototype.forEach.call(document.querySelectorAll("[data-filter-group]"), function (box) {
        if (!box.querySelector(selector)) {
          return;
        }
        var left = box.querySelectorAll(selector + ":not(.hidden)").length;
        box.classList.toggle("hidden", left === 0);
      });
      if (count) {
        count.textContent = shown + " of " + rows.length + " shown";
      }
    }

    Array.prototype.forEach.call(controls, function (control) {
      control.addEventListener("input", apply);
      control.addEventListener("change", apply);
    });
    apply();
  });

  /* The graph: natural size (scroll) or fitted to the page's width. */
  Array.prototype.forEach.call(document.querySelectorAll("button.fit-toggle"), function (button) {
    var box = document.getElementById(button.getAttribute("data-target"));
    if (!box) {
      return;
    }
    button.addEventListener("click", function () {
      var fit = box.classList.toggle("fit");
      button.textContent = fit ? "Actual size" : "Fit to width";
      button.setAttribute("aria-pressed", fit ? "true" : "false");
    });
  });
})();
