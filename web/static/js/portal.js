// The portal's own script. The Content-Security-Policy allows no inline script (no onsubmit=
// attributes), so behaviour that pages ask for by data attributes is wired here.

// <form data-confirm="Really?"> asks before it submits.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
