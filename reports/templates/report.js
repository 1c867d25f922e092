(function () {
  var fails = document.getElementById("only-fail");
  var flips = document.getElementById("only-flip");
  function apply() {
    var cards = document.querySelectorAll(".card");
    var shown = 0;
    for (var i = 0; i < cards.length; i++) {
      var c = cards[i];
      var hide = (fails.checked && c.getAttribute("data-fail") !== "1") ||
                 (flips.checked && c.getAttribute("data-flip") !== "1");
      c.hidden = hide;
      if (!hide) shown++;
    }
    document.getElementById("shown").textContent = shown + " of " + cards.length + " prompts shown";
  }
  fails.addEventListener("change", apply);
  flips.addEventListener("change", apply);
  apply();
})();
