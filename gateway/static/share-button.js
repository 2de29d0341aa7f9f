/* ZoneConnect share button: no dependencies. Turns every a.zc-share-button into a link to the
   share intent and opens it in a popup; on the platform's own pages, [data-zc-close] closes it. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/\/static\/share-button\.js.*$/, "") : "";

  function intentUrl(el) {
    var params = [
      ["url", el.getAttribute("data-url") || window.location.href],
      ["title", el.getAttribute("data-title") || document.title || ""],
      ["summary", el.getAttribute("data-summary") || ""],
      ["pics", el.getAttribute("data-pics") || ""],
      ["site", el.getAttribute("data-site") || ""]
    ];
    var query = [];
    for (var i = 0; i < params.length; i++) {
      if (params[i][1]) {
        query.push(params[i][0] + "=" + encodeURIComponent(params[i][1]));
      }
    }
    var root = base || (el.getAttribute("href") || "").replace(/\/share(\?.*)?$/, "");
    return root + "/share?" + query.join("&");
  }

  function open(event) {
    var url = this.getAttribute("href");
    var left = Math.max(0, (window.screen.width - 620) / 2);
    var top = Math.max(0, (window.screen.height - 560) / 2);
    var popup = window.open(url, "zc-share",
      "width=620,height=560,left=" + left + ",top=" + top);
    if (popup) {
      /* The popup never needs its opener (the intent page also sends COOP same-origin). */
      try { popup.opener = null; } catch (ignored) { /* cross-origin already */ }
      event.preventDefault();
    }
  }

  function init() {
    var buttons = document.querySelectorAll("a.zc-share-button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("href", intentUrl(buttons[i]));
      buttons[i].setAttribute("rel", "noopener");
      buttons[i].addEventListener("click", open);
    }
    var closers = document.querySelectorAll("[data-zc-close]");
    for (var j = 0; j < closers.length; j++) {
      closers[j].addEventListener("click", function () { window.close(); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
