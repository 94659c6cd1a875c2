// The lembar disposisi's print button (a script file: the page's CSP forbids inline scripts).
"use strict";
document.getElementById("cetak")?.addEventListener("click", () => window.print());
