/* geo_caisse member map: where to spend one's MonA, open when one wants, how far on foot.
   Everything comes from POST /api/places (the member's place goes in a request body, never
   in a URL): the markers (every place answering the filters), the walking list (the nearest
   within the walking limit, or the nearest beyond it), the list of every place by walking
   time, and the way on foot to any of them. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE, C = window.GCCommon, esc = C.esc;
  var map = window[cfg.map];
  var cluster = window[cfg.cluster];
  // a popup opened near the top pans clear of the zoom buttons (top left, 44 px each)
  var POPUP = {autoPanPaddingTopLeft: L.point(64, 12), autoPanPaddingBottomRight: L.point(12, 12),
               maxWidth: Math.max(180, Math.min(300, window.innerWidth - 150))};
  var EN = cfg.lang === "en";
  var T = EN ? {
    kind: {market: "Market", producer: "Producer", shop: "Shop", epicerie: "Grocery",
           cooperative: "Cooperative supermarket", amap: "AMAP"},
    marketKind: {plein_vent: "Open-air market", producteurs: "Farmers' market",
                 halle: "Covered market"},
    stalls: function (n) { return n + " stall" + (n > 1 ? "s take" : " takes") + " the MonA"; },
    places: function (n) { return n + " place" + (n > 1 ? "s" : ""); },
    where: "to pay in MonA", openNow: function () { return "open now"; },
    openToday: function () { return "open today"; },
    openOn: function (n, d) { return "open on " + d; }, openAt: function (n, d, t) {
      return "open on " + d + " at " + t; },
    pick: "Choose where you are: type an address, touch the map or use “My position”.",
    within: function (n, lim, what) { return n + " place" + (n > 1 ? "s" : "") + " " + what +
      " within " + lim + " min on foot"; },
    total: function (n) { return " — " + n + " in all"; },
    noneWithin: function (lim, what) { return "No place " + what + " within " + lim +
      " min on foot."; },
    nearestBeyond: "The nearest one:", estimate: "about ",
    offNetwork: function (f) { return "Outside the known footpaths: straight line × " + f + "."; },
    untilNow: function (t) { return "open now, until " + t; },
    openThen: function (d, t, u) { return "open on " + d + " at " + t + " (until " + u + ")"; },
    openDay: function (d, h) { return "open on " + d + ": " + h; },
    opensToday: function (t) { return "opens today at " + t; },
    opensOn: function (d, t) { return "opens on " + d + " at " + t; },
    closedNow: function (d, t) { return "closed for today — opens " + d + " at " + t; },
    closedOn: function (d, d2, t) { return "closed on " + d + " — opens " + d2 + " at " + t; },
    closed: "closed", unknown: "hours not given", to_check: "hours to be checked", hours: "Days and hours:",
    address: "Address:", noAddress: "not given", walkThere: "Walk there",
    link: "Link to this place", here: "You are here", noResult: function (q) {
      return "Nothing found for “" + q + "”: try a street, a neighbourhood, a stop or " +
        "the name of a place."; },
    noPosition: "Your position is not available (refused or unknown).",
    computing: "Computing walking times…", sent: "Thank you: your suggestion will be read " +
      "by the caisse's team before it shows on the map.", walk: " on foot",
    filtersShown: "Hide the filters", filtersHidden: "Filters",
    placeKind: {market: "market", stop: "tram stop", amenity: "place", street: "street",
                address: "address"},
    // the territory's levels, in English when the code knows them ("area" otherwise)
    levelKind: {commune: "town", arrondissement: "district", grand_quartier: "district",
                quartier: "district", iris: "neighbourhood", sous_quartier: "neighbourhood"}
  } : {
    kind: {market: "Marché", producer: "Producteur", shop: "Commerce", epicerie: "Épicerie",
           cooperative: "Supermarché coopératif", amap: "AMAP"},
    marketKind: {plein_vent: "Marché de plein vent", producteurs: "Marché de producteurs",
                 halle: "Halles"},
    stalls: function (n) { return n + " étal" + (n > 1 ? "s acceptent" : " accepte") +
      " la MonA"; },
    places: function (n) { return n + " lieu" + (n > 1 ? "x" : ""); },
    // "1 lieu ouvert", "3 lieux ouverts", "aucun lieu ouvert"
    where: "où payer en MonA",
    openNow: function (n) { return "ouvert" + (n > 1 ? "s" : "") + " maintenant"; },
    openToday: function (n) { return "ouvert" + (n > 1 ? "s" : "") + " aujourd'hui"; },
    openOn: function (n, d) { return "ouvert" + (n > 1 ? "s" : "") + " le " + d; },
    openAt: function (n, d, t) { return "ouvert" + (n > 1 ? "s" : "") + " le " + d + " à " + t; },
    pick: "Choisissez d'où vous partez : tapez une adresse, touchez la carte ou utilisez " +
      "« Ma position ».",
    within: function (n, lim, what) { return n + " lieu" + (n > 1 ? "x" : "") + " " + what +
      " à moins de " + lim + " min à pied"; },
    total: function (n) { return " — " + n + " en tout"; },
    noneWithin: function (lim, what) { return "Aucun lieu " + what + " à moins de " + lim +
      " min à pied."; },
    nearestBeyond: "Le plus proche :", estimate: "environ ",
    offNetwork: function (f) { return "Hors du réseau piéton connu : estimation à vol " +
      "d'oiseau × " + String(f).replace(".", ",") + "."; },
    untilNow: function (t) { return "ouvert maintenant, jusqu'à " + t; },
    openThen: function (d, t, u) { return "ouvert le " + d + " à " + t + " (jusqu'à " + u + ")"; },
    openDay: function (d, h) { return "ouvert le " + d + " : " + h; },
    opensToday: function (t) { return "ouvre aujourd'hui à " + t; },
    opensOn: function (d, t) { return "ouvre le " + d + " à " + t; },
    closedNow: function (d, t) { return "fermé pour aujourd'hui — ouvre " + d + " à " + t; },
    closedOn: function (d, d2, t) { return "fermé le " + d + " — ouvre " + d2 + " à " + t; },
    closed: "fermé", unknown: "horaires non renseignés",
    to_check: "horaires à vérifier", hours: "Jours et horaires :",
    address: "Adresse :", noAddress: "non renseignée", walkThere: "Y aller à pied",
    link: "Lien vers ce lieu", here: "Vous partez d'ici", noResult: function (q) {
      return "Aucun résultat pour « " + q + " » : essayez une rue, un quartier, un arrêt ou " +
        "le nom d'un lieu."; },
    noPosition: "Votre position n'est pas disponible (refusée ou inconnue).",
    computing: "Calcul des temps de marche…", sent: "Merci : votre proposition sera lue par " +
      "l'équipe de la caisse avant d'apparaître sur la carte.", walk: " à pied",
    filtersShown: "Masquer les filtres", filtersHidden: "Filtres",
    placeKind: {market: "marché", stop: "arrêt de tram", amenity: "lieu", street: "rue",
                address: "adresse"},
    levelKind: {}  // the territory's own French names (GET /api/territory)
  };
  // a neighbourhood found by the search is named by its level, as the territory names it
  C.json(cfg.api + "/territory").then(function (info) {
    info.levels.forEach(function (lv) {
      T.placeKind[lv.code] = T.levelKind[lv.code] || (EN ? "area" : lv.one);
    });
  });
  var COLORS = {market: "#b45309", producer: "#166534", shop: "#1d4ed8", epicerie: "#7c2d12",
                cooperative: "#6b21a8", amap: "#0f766e"};
  var status = document.getElementById("gc-status");
  var near = document.getElementById("gc-near");
  var list = document.getElementById("gc-list");
  var filters = document.getElementById("gc-filters");
  var origin = null;          // {lat, lon}: where the member walks from (kept in memory only)
  var markers = {};           // key -> {marker, place}
  var places = [];            // the places the markers show
  var walkLayer = L.layerGroup().addTo(map);
  var asked = 0;

  // --- the question: kinds, moment, walking limit ------------------------------------------
  function kinds() {
    return Array.prototype.filter.call(filters.querySelectorAll("input[name=kind]"),
      function (i) { return i.checked; }).map(function (i) { return i.value; });
  }
  function whenValue() {
    var when = document.getElementById("gc-when").value;
    var time = document.getElementById("gc-time").value;
    if (!when || when === "now" || !time) { return when || null; }
    var day = when === "today" ? ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"][new Date().getDay()]
                               : when;
    return day + " " + time;
  }
  function limit() { return Number(document.getElementById("gc-limit").value); }
  function question(extra) {
    return Object.assign({kinds: kinds(), when: whenValue()}, extra || {});
  }
  function what(at, filtered, n) {
    if (!filtered) { return T.where; }
    var when = document.getElementById("gc-when").value;
    if (when === "now") { return T.openNow(n); }
    if (at.time && !at.now) { return T.openAt(n, C.day(at.weekday), C.clock(at.time)); }
    if (when === "today") { return T.openToday(n); }
    return T.openOn(n, C.day(at.weekday));
  }

  // --- a place's hours, in words --------------------------------------------------------------
  function hoursText(p, at) {
    var s = p.status;
    if (s.state === "unknown") { return T.unknown; }
    if (s.state === "to_check") { return T.to_check; }
    var today = at.now;
    if (s.state === "open") {
      if (!at.time) { return T.openDay(C.day(at.weekday), s.day_hours.replace(/(\d\d:\d\d)/g,
        function (m) { return C.clock(m); })); }
      return today ? T.untilNow(C.clock(s.until))
                   : T.openThen(C.day(at.weekday), C.clock(at.time), C.clock(s.until));
    }
    if (s.state === "opens_later") {
      return today ? T.opensToday(C.clock(s.next_time))
                   : T.opensOn(C.day(s.next_day), C.clock(s.next_time));
    }
    if (!s.next_day) { return T.closed; }
    return today ? T.closedNow(C.day(s.next_day), C.clock(s.next_time))
                 : T.closedOn(C.day(at.weekday), C.day(s.next_day), C.clock(s.next_time));
  }
  function stateClass(p) { return "gc-state-" + p.status.state; }
  function kindText(p) {
    return p.kind === "market" ? (T.marketKind[p.market_kind] || T.kind.market) :
      T.kind[p.kind] || p.kind;
  }
  function walkText(p, method) {
    if (p.walk_min == null) { return ""; }
    return (method === "network" ? "" : T.estimate) +
      C.minutes(Math.max(1, Math.round(p.walk_min))) + T.walk + " (" + C.metres(p.walk_m) + ")";
  }
  function permalink(p) {
    // keys are "market:<id>" or "point_of_sale:<id>": readable as they are in a link
    return "/?" + (EN ? "lang=en&" : "") + "lieu=" + p.key.replace(/[^a-z_:0-9]/g, "");
  }
  function popup(p, at) {
    return '<div class="gc-popup"><h2>' + esc(p.name) + "</h2><p>" + esc(kindText(p)) +
      (p.kind === "market" ? " · " + esc(T.stalls(p.stalls)) : "") + "</p>" +
      '<p class="' + stateClass(p) + '">' + esc(hoursText(p, at)) + "</p>" +
      (p[EN ? "hours_en" : "hours_fr"] ? "<p><strong>" + T.hours + "</strong> " +
       esc(p[EN ? "hours_en" : "hours_fr"]) + "</p>" : "") +
      "<p><strong>" + T.address + "</strong> " + esc(p.address || T.noAddress) + "</p>" +
      (origin ? '<button type="button" class="gc-go" data-key="' + esc(p.key) + '">' +
       T.walkThere + "</button> " : "") +
      '<p><a href="' + permalink(p) + '">' + T.link + "</a></p></div>";
  }
  function icon(kind) {
    return L.divIcon({className: "", iconSize: [22, 22],
      html: '<span class="gc-marker" style="background:' + (COLORS[kind] || "#334155") +
            '"></span>'});
  }

  // --- the markers: every place answering the filters ---------------------------------------
  var lastAt = null;
  function loadMarkers() {
    return C.post(cfg.api + "/places", question()).then(function (res) {
      lastAt = res.at;
      places = res.places;
      cluster.clearLayers();
      markers = {};
      var shown = res.places.map(function (p) {
        var m = L.marker([p.lat, p.lon], {icon: icon(p.kind), title: p.name, alt: p.name,
                                          keyboard: true}).bindPopup(popup(p, res.at), POPUP);
        markers[p.key] = {marker: m, place: p};
        return m;
      });
      cluster.addLayers(shown);
      if (!origin) {
        status.textContent = T.places(res.places.length) + " " +
          what(res.at, res.filtered, res.places.length);
        near.innerHTML = "<p>" + T.pick + "</p>";
        list.innerHTML = listHtml(res.places, res.at, null);
      }
      return res;
    });
  }

  // --- walking from a place -----------------------------------------------------------------
  function drawRoute(route, fit) {
    walkLayer.eachLayer(function (l) { if (l.gcRoute) { walkLayer.removeLayer(l); } });
    if (!route) { return; }
    var line = L.polyline(route.coordinates.map(function (c) { return [c[1], c[0]]; }),
                          {color: "#1d4ed8", weight: 5, opacity: 0.85});
    line.gcRoute = true;
    line.addTo(walkLayer);
    // the whole walk in view, from the start to the place, at a zoom where streets are named
    if (fit && !map.getBounds().pad(-0.05).contains(line.getBounds())) {
      map.fitBounds(line.getBounds(), {padding: [40, 40], maxZoom: 17, animate: false});
    }
  }
  function entry(p, at, method, i) {
    return '<li><button type="button" class="gc-entry" data-key="' + esc(p.key) + '">' +
      '<span class="gc-entry-name"><span class="gc-swatch gc-k-' + esc(p.kind) +
      '" aria-hidden="true"></span>' + esc(p.name) + "</span>" +
      '<span class="gc-entry-walk">' + esc(walkText(p, method)) + "</span>" +
      '<span class="gc-entry-detail">' + esc(kindText(p)) + " · " +
      '<span class="' + stateClass(p) + '">' + esc(hoursText(p, at)) + "</span></span>" +
      "</button></li>";
  }
  function listHtml(found, at, method) {
    if (!found.length) { return "<p>" + T.noneWithin(90, what(at, true, 0)) + "</p>"; }
    return '<ol class="gc-entries">' + found.map(function (p, i) {
      return entry(p, at, method, i); }).join("") + "</ol>";
  }
  var fitNext = false;
  function walkFrom(lat, lon, move) {
    origin = {lat: lat, lon: lon};
    fitNext = move;
    walkLayer.clearLayers();
    L.circleMarker([lat, lon], {radius: 8, color: "#0f172a", weight: 3, fillColor: "#fff",
                                fillOpacity: 1}).bindTooltip(T.here).addTo(walkLayer);
    if (move) { map.setView([lat, lon], Math.max(map.getZoom(), 16), {animate: false}); }
    return refreshWalks();
  }
  function refreshWalks() {
    if (!origin) { return Promise.resolve(); }
    var mine = ++asked;
    var lim = limit();
    status.textContent = T.computing;
    var from = {lon: Number(origin.lon.toFixed(6)), lat: Number(origin.lat.toFixed(6))};
    var nearQ = C.post(cfg.api + "/places", question(Object.assign(
      {max_walk_min: lim, route: true}, from)));
    var allQ = C.post(cfg.api + "/places", question(Object.assign({max_walk_min: null}, from)));
    return Promise.all([nearQ, allQ]).then(function (res) {
      if (mine !== asked) { return; }
      var r = res[0], all = res[1];
      var asking = what(r.at, r.filtered, r.places.length);
      var html;
      if (r.places.length) {
        status.textContent = T.within(r.places.length, lim, asking) + T.total(r.matching);
        html = listHtml(r.places, r.at, r.method);
      } else {
        status.textContent = T.noneWithin(lim, asking) + T.total(r.matching);
        html = "<p>" + T.noneWithin(lim, asking) + "</p>" + (r.beyond ? "<p>" +
          T.nearestBeyond + "</p>" + listHtml([r.beyond], r.at, r.method) : "");
      }
      if (r.method && r.method !== "network") {
        html += '<p class="gc-note">' + T.offNetwork(r.detour_factor) + "</p>";
      }
      near.innerHTML = html;
      list.innerHTML = listHtml(all.places, all.at, all.method);
      drawRoute(r.route, fitNext);
      fitNext = false;
    }).catch(function (err) {
      if (mine === asked) { status.textContent = err.message; near.innerHTML = ""; }
    });
  }
  function routeTo(key) {
    if (!origin) { return Promise.resolve(); }
    return C.post(cfg.api + "/places", question({lon: origin.lon, lat: origin.lat,
      max_walk_min: null, n: 1, route_to: key})).then(function (r) { drawRoute(r.route, true); })
      .catch(function (err) { status.textContent = err.message; });
  }
  function focusPlace(key, route) {
    var found = markers[key];
    if (!found) { return; }
    cluster.zoomToShowLayer(found.marker, function () { found.marker.openPopup(); });
    if (route) { routeTo(key); }
  }
  document.getElementById("gc-side").addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest(".gc-entry") : null;
    if (b) { focusPlace(b.getAttribute("data-key"), true); }
  });
  map.on("popupopen", function (e) {
    var b = e.popup.getElement().querySelector(".gc-go");
    if (b) { b.addEventListener("click", function () { routeTo(b.getAttribute("data-key")); }); }
  });
  map.on("click", function (e) { walkFrom(e.latlng.lat, e.latlng.lng, false); });

  // --- filters, folded on a phone ----------------------------------------------------------
  var toggle = document.getElementById("gc-filters-toggle");
  function fold(open) {
    filters.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? T.filtersShown : T.filtersHidden;
  }
  fold(window.matchMedia("(min-width: 768px)").matches && !cfg.embed);
  toggle.addEventListener("click", function () { fold(filters.hidden); });
  filters.addEventListener("change", function (e) {
    var when = document.getElementById("gc-when").value;
    document.getElementById("gc-time").disabled = !when || when === "now";
    if (e.target.id === "gc-limit") { refreshWalks(); return; }
    loadMarkers().then(refreshWalks).catch(function (err) { status.textContent = err.message; });
  });

  // --- tabs: the walking list and every place ------------------------------------------------
  var tabs = [document.getElementById("gc-tab-near"), document.getElementById("gc-tab-list")];
  function select(i) {
    tabs.forEach(function (t, j) {
      t.setAttribute("aria-selected", String(i === j));
      t.tabIndex = i === j ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = i !== j;
    });
  }
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { select(i); });
    t.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault(); select(1 - i); tabs[1 - i].focus();
      }
    });
  });

  // --- my position -----------------------------------------------------------------------------
  document.getElementById("gc-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = T.noPosition; return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      walkFrom(pos.coords.latitude, pos.coords.longitude, true);
    }, function () { status.textContent = T.noPosition; }, {timeout: 10000});
  });

  // --- the address or place search (offline, in the API; the query in a POST body) ----------
  var form = document.getElementById("gc-search");
  if (form) {
    var input = document.getElementById("gc-q");
    var sugg = document.getElementById("gc-suggestions");
    var hits = [], active = -1, timer = null, asking = 0;
    var showHits = function (found, q) {
      hits = found; active = -1;
      sugg.innerHTML = found.map(function (h, i) {
        return '<li role="option" id="gc-opt-' + i + '" aria-selected="false">' +
          esc(h.label) + (h.detail ? " <small>(" + esc(T.placeKind[h.detail] || h.detail) +
          ")</small>" : "") + "</li>";
      }).join("") || '<li role="option" aria-disabled="true">' + esc(T.noResult(q)) + "</li>";
      sugg.hidden = false;
      input.setAttribute("aria-expanded", "true");
      sugg.querySelectorAll("li[id]").forEach(function (li, i) {
        li.addEventListener("click", function () { choose(i); });
      });
    };
    var hide = function () { sugg.hidden = true; input.setAttribute("aria-expanded", "false");
                             input.removeAttribute("aria-activedescendant"); };
    var ask = function (q) {
      var mine = ++asking;
      return C.post(cfg.api + "/search", {q: q, n: 6}).catch(function () { return []; })
        .then(function (found) { if (mine === asking) { showHits(found, q); } return found; });
    };
    var choose = function (i) {
      var h = hits[i];
      if (!h) { return; }
      input.value = h.label;
      hide();
      walkFrom(h.lat, h.lon, true);
    };
    var move = function (step) {
      var items = sugg.querySelectorAll("li[id]");
      if (!items.length) { return; }
      active = (active + step + items.length) % items.length;
      items.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === active)); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({block: "nearest"});
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { hide(); return; }
      timer = setTimeout(function () { ask(q); }, 180);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (sugg.hidden) { ask(input.value.trim()); } else { move(1); }
      } else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") { hide(); }
      else if (e.key === "Enter" && active >= 0 && !sugg.hidden) { e.preventDefault(); choose(active); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = input.value.trim();
      if (q.length < 2) { return; }
      ask(q).then(function (found) { if (found.length) { choose(0); } });
    });
  }

  // --- suggest a place, or a correction of its hours -----------------------------------------
  var dialog = document.getElementById("gc-suggest");
  var sform = document.getElementById("gc-suggest-form");
  function whatChosen() { return sform.querySelector("input[name=what]:checked").value; }
  function showWhat() {
    var w = whatChosen();
    sform.querySelectorAll("[data-what]").forEach(function (d) {
      d.hidden = d.getAttribute("data-what") !== w;
    });
  }
  sform.addEventListener("change", showWhat);
  document.getElementById("gc-suggest-open").addEventListener("click", function (e) {
    e.preventDefault();
    var select = document.getElementById("gc-s-place");
    select.innerHTML = places.slice().sort(function (a, b) {
      return a.name.localeCompare(b.name, cfg.lang); }).map(function (p) {
      return '<option value="' + esc(p.key) + '">' + esc(p.name) + "</option>"; }).join("");
    document.getElementById("gc-s-error").textContent = "";
    showWhat();
    dialog.showModal();
  });
  document.getElementById("gc-s-cancel").addEventListener("click", function () { dialog.close(); });
  sform.addEventListener("submit", function (e) {
    e.preventDefault();
    var w = whatChosen();
    var body = {kind: w, hours: document.getElementById("gc-s-hours").value.trim(),
                comment: document.getElementById("gc-s-comment").value.trim()};
    if (w === "new_place") {
      body.name = document.getElementById("gc-s-name").value.trim();
      body.place_kind = document.getElementById("gc-s-kind").value;
      body.address = document.getElementById("gc-s-address").value.trim();
    } else {
      body.place = document.getElementById("gc-s-place").value;
    }
    C.post(cfg.api + "/suggestions", body).then(function () {
      dialog.close();
      sform.reset();
      status.textContent = T.sent;
    }).catch(function (err) {
      document.getElementById("gc-s-error").textContent = err.message;
    });
  });

  // --- start: the city at street zoom, or the place a link names ------------------------------
  var wanted = new URLSearchParams(location.search).get("lieu");
  loadMarkers().then(function () {
    if (wanted && markers[wanted]) {
      map.setView(markers[wanted].marker.getLatLng(), 17, {animate: false});
      focusPlace(wanted, false);
    }
    document.body.setAttribute("data-gc-ready", "1");
  }).catch(function (err) {
    status.textContent = err.message;
    document.body.setAttribute("data-gc-ready", "error");
  });
})();
