// Keyboard shortcuts of the /admin inbox. Every action is also a plain link or form (with its CSRF token), so
// this script only presses them: it never builds a request of its own nor writes text as HTML.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) {
      window.location.assign(link.href);
    }
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (form) {
      form.requestSubmit();
    }
  }

  // --- the list: j/k move the selection, Enter opens, / searches ---
  var rows = Array.prototype.slice.call(document.querySelectorAll("#daftar .baris"));
  var selected = rows.length ? 0 : -1;

  function select(index) {
    if (!rows.length) {
      return;
    }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) {
      row.classList.toggle("pilih", i === selected);
    });
    rows[selected].scrollIntoView({ block: "nearest" });
  }

  // --- one complaint ---
  var decision = document.getElementById("form-keputusan");
  var other = document.getElementById("opd-lain");
  var otherChoice = document.getElementById("pilih-lain");
  var urgency = document.getElementById("pilih-urgensi");
  var outside = document.getElementById("lembaga");

  var unit = document.getElementById("unit");
  var unitCleared = false;

  if (other && otherChoice) {
    other.addEventListener("change", function () {
      otherChoice.checked = true;
    });
  }

  function chosenOpd() {
    var checked = decision && decision.querySelector('input[name="pilihan"]:checked');
    if (!checked) {
      return "";
    }
    return checked === otherChoice ? (other ? other.value : "") : checked.value;
  }

  // The proposed unit belongs to the suggested OPD: another OPD clears it, the suggested one brings it back.
  function syncUnit() {
    var proposed = unit ? unit.getAttribute("data-saran") : "";
    if (!proposed) {
      return;
    }
    if (chosenOpd() === unit.getAttribute("data-opd-saran")) {
      if (unitCleared && !unit.value) {
        unit.value = proposed;
      }
      unitCleared = false;
    } else if (unit.value === proposed) {
      unit.value = "";
      unitCleared = true;
    }
  }

  if (decision) {
    decision.addEventListener("change", function (event) {
      if (event.target !== unit) {
        syncUnit();
      }
    });
  }

  function choose(number) {
    var radio = decision && decision.querySelector('input[data-kunci="' + number + '"]');
    if (radio) {
      radio.checked = true;
      syncUnit();
    }
  }

  function cycleUrgency() {
    if (urgency) {
      urgency.selectedIndex = (urgency.selectedIndex + 1) % urgency.options.length;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (typing(target)) {
      // Enter in the "other OPD" or urgency select decides; Escape leaves a field for the shortcuts.
      if (event.key === "Enter" && decision && target.tagName === "SELECT" && decision.contains(target)) {
        event.preventDefault();
        decision.requestSubmit();
      } else if (event.key === "Escape") {
        target.blur();
      }
      return;
    }
    var key = event.key;
    if (decision) {
      if (key === "1" || key === "2" || key === "3") {
        choose(key);
      } else if (key === "Enter" && !(target && (target.tagName === "A" || target.tagName === "BUTTON"))) {
        decision.requestSubmit();
      } else if (key === "o" && other) {
        if (otherChoice) {
          otherChoice.checked = true;
          syncUnit();
        }
        other.focus();
      } else if (key === "l" && outside) {
        outside.focus();
      } else if (key === "u") {
        cycleUrgency();
      } else if (key === "j") {
        follow("berikutnya");
      } else if (key === "k") {
        follow("sebelumnya");
      } else if (key === "z") {
        submit("form-batal");
      } else {
        return;
      }
      event.preventDefault();
      return;
    }
    if (rows.length || document.getElementById("daftar")) {
      if (key === "z") {
        submit("form-batal");
      } else if (key === "j") {
        select(selected + 1);
      } else if (key === "k") {
        select(selected - 1);
      } else if (key === "Enter" && selected >= 0 && !(target && (target.tagName === "A" || target.tagName === "BUTTON"))) {
        window.location.assign(rows[selected].querySelector("a").href);
      } else if (key === "/") {
        var search = document.getElementById("cari");
        if (search) {
          search.focus();
        }
      } else {
        return;
      }
      event.preventDefault();
    }
  });

  if (rows.length) {
    select(0);
  }
})();
