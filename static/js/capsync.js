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

// The header search box is an editable combobox with a listbox of hits (the WAI-ARIA Authoring Practices pattern
// "combobox with list autocomplete"): focus stays in the box while ArrowDown and ArrowUp move the active hit
// (aria-activedescendant), Enter opens it, and Escape closes the dropdown (a second Escape clears the box, as
// Chromium does for any search box). Without an active hit, Enter submits the form to the full results page.
(function () {
  "use strict";

  const box = document.getElementById("header-search");
  const dropdown = document.getElementById("search-dropdown");
  if (!box || !dropdown) {
    return;
  }
  const form = box.form;

  function options() {
    return Array.from(dropdown.querySelectorAll('[role="option"]'));
  }

  function isClosed() {
    return form.classList.contains("closed");
  }

  function activate(option) {
    options().forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  function setOpen(open) {
    form.classList.toggle("closed", !open);
    box.setAttribute("aria-expanded", open && options().length > 0 ? "true" : "false");
    if (!open) {
      activate(null);
    }
  }

  box.addEventListener("keydown", function (event) {
    const hits = options();
    const current = hits.findIndex(function (each) {
      return each.id === box.getAttribute("aria-activedescendant");
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!hits.length) {
        return;
      }
      event.preventDefault();
      setOpen(true);
      let next;
      if (event.key === "ArrowDown") {
        next = (current + 1) % hits.length;
      } else {
        next = current <= 0 ? hits.length - 1 : current - 1;
      }
      activate(hits[next]);
    } else if (event.key === "Enter" && current >= 0 && !isClosed()) {
      event.preventDefault();
      hits[current].click();
    } else if (event.key === "Escape" && !isClosed() && dropdown.textContent.trim()) {
      event.preventDefault();
      setOpen(false);
    }
  });

  box.addEventListener("input", function () {
    setOpen(true);
  });

  // New hits replace the old ones: nothing is active until the arrows move again.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === dropdown) {
      activate(null);
      setOpen(!isClosed());
    }
  });

  form.addEventListener("focusout", function (event) {
    if (!form.contains(event.relatedTarget)) {
      activate(null);
      box.setAttribute("aria-expanded", "false");
    }
  });

  box.addEventListener("focus", function () {
    setOpen(true);
  });
})();
