// taskladder view: keyboard shortcuts for the blinded vote screen (buttons carry data-key).
document.addEventListener("keydown", function (event) {
  var form = document.getElementById("vote-form");
  if (!form || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
  var buttons = form.querySelectorAll("button[data-key]");
  for (var i = 0; i < buttons.length; i++) {
    if (buttons[i].getAttribute("data-key").split(" ").indexOf(event.key) >= 0) {
      event.preventDefault();
      form.requestSubmit(buttons[i]);
      return;
    }
  }
});
