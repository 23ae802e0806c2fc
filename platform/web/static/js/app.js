// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("htmx:responseError", (event) => {
  const target = event.detail.target;
  if (target && event.detail.xhr.status === 422) {
    target.innerHTML = event.detail.xhr.responseText;
  }
});
