// Search snippets from the pages' prose.
//
// Sphinx's search page fetches each hit's HTML to cut a snippet out of it. Read from disk
// (file://) the browser refuses that fetch, and on notebook pages the snippet would start with
// code. kmnet-search-prose.js (written at build time) holds every page's prose; a fetch of a
// book page from the search page is answered with that prose, so the snippet shows sentences,
// and nothing is requested at all.
(function () {
  "use strict";
  const prose = window.KMNET_SEARCH_PROSE;
  if (!prose || typeof window.fetch !== "function") return;
  // DOCUMENTATION_OPTIONS is a global const of Sphinx (not a property of window)
  const opts = typeof DOCUMENTATION_OPTIONS !== "undefined" ? DOCUMENTATION_OPTIONS : {};
  const suffix = opts.FILE_SUFFIX || ".html";
  const root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  const originalFetch = window.fetch.bind(window);

  function docnameOf(input) {
    let url;
    try {
      url = new URL(typeof input === "string" ? input : input.url, window.location.href);
    } catch (e) {
      return null;
    }
    const base = root.href.split(/[?#]/)[0];
    const href = url.href.split(/[?#]/)[0];
    if (!href.startsWith(base) || !href.endsWith(suffix)) return null;
    return decodeURIComponent(href.slice(base.length, href.length - suffix.length));
  }

  window.fetch = function (input, init) {
    const docname = docnameOf(input);
    if (docname !== null && Object.prototype.hasOwnProperty.call(prose, docname)) {
      return Promise.resolve(
        new Response(prose[docname], { headers: { "Content-Type": "text/html; charset=utf-8" } })
      );
    }
    return originalFetch(input, init);
  };
})();
