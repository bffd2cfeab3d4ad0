/* Linli: small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  /* Photo pickers (core/forms.py PhotoPicker): show the names of the chosen files. */
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.file-input")) return;
    var pick = input.closest(".file-pick");
    var names = pick && pick.querySelector(".file-names");
    if (!names) return;
    var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    names.textContent = files.length ? names.dataset.some.replace("{files}", files.join("、")) : names.dataset.none;
  });
})();
