/* pipase: on small screens each table row is shown as a card; every cell carries the name of
   its column (data-label) so that the card stays readable. No request, no dependency. */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".md-typeset table").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        cell.setAttribute("data-label", headers[index] || "");
      });
    });
  });
});
