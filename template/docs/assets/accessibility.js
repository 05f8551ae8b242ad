// Small accessibility fixes to Material's markup, applied on every page load.
function accessible() {
  // The search box is a dialog without a name: screen readers announce it as "Search".
  document.querySelectorAll('.md-search[role="dialog"]').forEach((dialog) => {
    dialog.setAttribute("aria-label", "Search");
  });
  // A wide table scrolls inside its box: keyboard users reach it with Tab and scroll it.
  document.querySelectorAll(".md-typeset__scrollwrap").forEach((box) => {
    box.tabIndex = 0;
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(accessible); // Material's page-load signal
} else {
  window.addEventListener("load", accessible);
}
