/* The technician app's service worker (tickets/views/offline.py renders it at /jobs/sw.js,
   so its scope is the technician's pages). Workbox from our own static files: the phone
   keeps the app's files (installed with it), the job pages as last seen (network first;
   the job list also saves the day's and upcoming jobs ahead), and answers a page it never
   saved with the offline page. Posts are never answered here: the page queues a change
   made without a signal itself (static/js/offline.js). Shell {{ version }}. */
importScripts("{{ workbox_sw }}");
var MODULES = {};
{% for name, url in modules.items %}MODULES["{{ name }}"] = "{{ url }}";
{% endfor %}
self.workbox.setConfig({ debug: false, modulePathCb: function (name) { return MODULES[name]; } });

var SHELL = "aftersales-shell-{{ version }}";
var PAGES = "aftersales-jobs";
var IMAGES = "aftersales-job-images";
var SHELL_URLS = [{% for url in shell %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var OFFLINE_URL = "{{ offline_url }}";

// importScripts only works while the worker first runs: load every module now.
var core = self.workbox.core, routing = self.workbox.routing, strategies = self.workbox.strategies;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("aftersales-shell-") === 0 && key !== SHELL;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});
// Signing out forgets the saved pages (they hold customers' addresses and phones).
self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget-pages") {
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(IMAGES)]));
  }
  if (event.data && event.data.type === "claim") event.waitUntil(self.clients.claim());
});

// A page is saved only as itself: never a sign-in page a lapsed session was sent to.
var onlyThePage = {
  cacheWillUpdate: function (args) {
    var response = args.response;
    return Promise.resolve(response && response.status === 200 && !response.redirected ? response : null);
  }
};
var match = { ignoreVary: true, ignoreSearch: true };

routing.registerRoute(function (args) {
  return args.request.mode === "navigate" && args.url.pathname.indexOf("/jobs/") === 0;
}, new strategies.NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 6, plugins: [onlyThePage], matchOptions: match }));

routing.registerRoute(function (args) {
  return args.url.origin === self.location.origin && SHELL_URLS.indexOf(args.url.pathname) !== -1;
}, new strategies.CacheFirst({ cacheName: SHELL }));

routing.registerRoute(function (args) {
  return args.url.origin === self.location.origin && args.request.destination === "image";
}, new strategies.NetworkFirst({ cacheName: IMAGES, networkTimeoutSeconds: 4, plugins: [onlyThePage] }));

routing.setCatchHandler(function (args) {
  if (args.request.destination === "document") {
    return caches.match(OFFLINE_URL, match).then(function (r) { return r || Response.error(); });
  }
  return Promise.resolve(Response.error());
});
