// The admin page's queue: complaints imported from a CSV wait in sessionStorage; "Pengaduan berikutnya"
// puts the next one in the form and asks for a suggestion. Text is only ever set as a value, never as HTML.
(function () {
  "use strict";
  var STORAGE = "disposisi-antrean";

  function load() {
    try {
      var queue = JSON.parse(window.sessionStorage.getItem(STORAGE) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (err) {
      return [];
    }
  }

  function save(queue) {
    window.sessionStorage.setItem(STORAGE, JSON.stringify(queue));
  }

  var imported = document.getElementById("antrean-data");
  if (imported) {
    save(JSON.parse(imported.textContent));
  }

  var box = document.getElementById("antrean");
  var count = document.getElementById("antrean-jumlah");
  var next = document.getElementById("antrean-berikutnya");
  var clear = document.getElementById("antrean-hapus");
  var form = document.getElementById("form-saran");

  function show() {
    var queue = load();
    box.hidden = queue.length === 0;
    count.textContent = String(queue.length);
  }

  if (box && form) {
    show();
    next.addEventListener("click", function () {
      var queue = load();
      var item = queue.shift();
      save(queue);
      if (!item) {
        show();
        return;
      }
      form.elements.namedItem("teks").value = String(item.teks || "");
      form.elements.namedItem("id").value = String(item.id || "");
      form.submit();
    });
    clear.addEventListener("click", function () {
      save([]);
      show();
    });
  }

  var other = document.getElementById("opd-lain");
  if (other) {
    other.addEventListener("change", function () {
      document.getElementById("pilih-lain").checked = true;
    });
  }
})();
