// advisor serve: the questionnaire's skip logic, and the answers kept in the page address.
// The rules come from questionnaire.yaml through each question's data-ask-if (the server applies
// the same rules again when the form is sent); without this script every question is shown.
(function () {
  "use strict";
  var form = document.getElementById("ask");
  if (!form) { return; }
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.q"));

  function answerOf(fieldset) {
    // What the question would send, as the server reads it: a list, a string, or null (no answer).
    var boxes = fieldset.querySelectorAll("input[type=checkbox]");
    if (boxes.length) {
      return Array.prototype.filter.call(boxes, function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    }
    var radios = fieldset.querySelectorAll("input[type=radio]");
    if (radios.length) {
      var chosen = Array.prototype.filter.call(radios, function (r) { return r.checked; })[0];
      if (!chosen || chosen.value === "") { return null; }
      if (chosen.value === "amount") {
        var typed = fieldset.querySelector("input.amount-text");
        return typed && typed.value.trim() ? typed.value.trim() : null;
      }
      return chosen.value;
    }
    var text = fieldset.querySelector("input.text");
    return text && text.value.trim() ? text.value.trim() : null;
  }

  function absent(value) {
    return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  }

  function holds(test, state) {
    var value = state[test.field];
    if (test.kind === "absent") { return absent(value); }
    if (test.kind === "present") { return !absent(value); }
    if (value === null || value === undefined) { value = test["default"]; }
    if (Array.isArray(value)) {
      return value.some(function (v) { return test.values.indexOf(v) >= 0; });
    }
    return test.values.indexOf(value) >= 0;
  }

  function applies(groups, state) {
    if (!groups.length) { return true; }
    return groups.some(function (group) {
      return group.every(function (test) { return holds(test, state); });
    });
  }

  function update() {
    var state = {};
    questions.forEach(function (fieldset) {
      var on = applies(JSON.parse(fieldset.getAttribute("data-ask-if") || "[]"), state);
      fieldset.hidden = !on;
      fieldset.disabled = !on;
      if (on) { state[fieldset.getAttribute("data-field")] = answerOf(fieldset); }
    });
  }

  function remember() {
    // The answers in the address: a reload or the back button keeps them.
    var query = new URLSearchParams(new FormData(form)).toString();
    window.history.replaceState(null, "", "/?" + query);
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("amount-text") && target.value.trim()) {
      var choice = target.parentNode.querySelector("input[type=radio][value=amount]");
      if (choice) { choice.checked = true; }
    }
    update();
    remember();
  });
  form.addEventListener("change", function () { update(); remember(); });
  update();
}());
