// Lazily loaded panels (elements with data-load-error) say so when their request fails, and offer to try again.
// A static file rather than hx-on attributes: the CSP allows no inline scripts.
(function () {
  "use strict";

  function showLoadError(event) {
    const elt = event.detail.elt;
    if (!elt || !elt.dataset || !elt.dataset.loadError) {
      return;
    }
    const xhr = event.detail.xhr;
    const box = document.createElement("p");
    box.className = "load-error";
    box.setAttribute("role", "alert");
    box.textContent = elt.dataset.loadError + (xhr && xhr.status ? " Capsync answered " + xhr.status + "." : " Capsync did not answer.") + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Try again";
    button.addEventListener("click", function () {
      htmx.trigger(elt, "retry");
    });
    box.append(button);
    elt.replaceChildren(box);
  }

  document.addEventListener("htmx:responseError", showLoadError);
  document.addEventListener("htmx:sendError", showLoadError);
  document.addEventListener("htmx:timeout", showLoadError);
})();
