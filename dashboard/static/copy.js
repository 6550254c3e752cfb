// The copy buttons: <button class="copy-button" data-copy="ID"> copies the
// value of the input with that ID. Without JavaScript the input is still
// there to select by hand.
document.addEventListener("click", function (ev) {
  var button = ev.target.closest(".copy-button");
  if (!button) return;
  var input = document.getElementById(button.dataset.copy);
  if (!input) return;
  input.select();
  var done = function () { button.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
  } else {
    document.execCommand("copy");
    done();
  }
});
