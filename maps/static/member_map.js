/* geo_caisse member map: reads the API, draws conventionnés points of sale and markets. */
(function () {
  "use strict";
  var cfg = window.GEO_CAISSE;
  var map = window[cfg.map];
  var cluster = window[cfg.cluster];
  var status = document.getElementById("gc-status");
  var DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
  var I18N = {
    fr: {
      day: {Mo: "lundi", Tu: "mardi", We: "mercredi", Th: "jeudi", Fr: "vendredi",
            Sa: "samedi", Su: "dimanche"},
      kind: {producer: "Producteur", shop: "Commerce", epicerie: "Épicerie",
             cooperative: "Supermarché coopératif", amap: "AMAP",
             market_stall: "Étal de marché", market: "Marché"},
      marketKind: {plein_vent: "Marché de plein vent", producteurs: "Marché de producteurs",
                   halle: "Halles"},
      cat: {bakery: "boulangerie", butcher: "boucherie", cheese: "fromagerie",
        deli: "traiteur", dry_goods: "épicerie sèche", eggs: "œufs", frozen_food: "surgelés",
        fruit_vegetables: "fruits et légumes", grocery: "épicerie", honey: "miel", meat: "viande",
        organic: "bio", seafood: "poissonnerie", supermarket: "supermarché",
        convenience: "alimentation générale", farm: "ferme", dairy: "produits laitiers"},
      place: {market: "marché", sous_quartier: "quartier", quartier: "quartier",
              commune: "commune", producer: "producteur", shop: "commerce",
              epicerie: "épicerie", cooperative: "coopérative", amap: "AMAP",
              market_stall: "étal"},
      acceptsMona: "Accepte la MonA", hours: "Jours et horaires :", noHours: "horaires non renseignés",
      address: "Adresse :", noAddress: "non renseignée", markets: "Marchés", filters: "Filtres",
      type: "Type", dayLabel: "Jour", everyDay: "tous les jours", today: "aujourd'hui",
      stalls: function (n, of) { return n + " étal" + (n > 1 ? "s" : "") + " conventionné" +
                                        (n > 1 ? "s" : "") + " sur " + of; },
      shown: function (n, day) { return n + " lieu" + (n > 1 ? "x" : "") + " où payer en MonA" +
                                        (day ? " le " + day : ""); },
      computing: "Calcul des temps de marche…", fromHere: "À pied d'ici",
      openOn: function (d) { return " (ouverts le " + d + ")"; }, close: "Fermer",
      openToday: "ouvert aujourd'hui", closedToday: "fermé aujourd'hui", about: "environ ",
      walkMin: " min à pied", noneOpen: "Aucun point conventionné ouvert ce jour-là.",
      offNetwork: "Hors du réseau piéton connu : estimation à vol d'oiseau × ",
      walkError: "Temps de marche indisponible : ", noResult: "Aucun résultat",
      myPosition: "Ma position", myPositionLabel: "Points conventionnés les plus proches de ma position",
      noPosition: "Position indisponible.", loadError: "Impossible de charger les données : "
    },
    en: {
      day: {Mo: "Monday", Tu: "Tuesday", We: "Wednesday", Th: "Thursday", Fr: "Friday",
            Sa: "Saturday", Su: "Sunday"},
      kind: {producer: "Producer", shop: "Shop", epicerie: "Grocery",
             cooperative: "Cooperative supermarket", amap: "AMAP (farm box scheme)",
             market_stall: "Market stall", market: "Market"},
      marketKind: {plein_vent: "Open-air market", producteurs: "Farmers' market",
                   halle: "Covered market"},
      cat: {bakery: "bakery", butcher: "butcher", cheese: "cheese", deli: "delicatessen",
        dry_goods: "dry goods", eggs: "eggs", frozen_food: "frozen food",
        fruit_vegetables: "fruit and vegetables", grocery: "grocery", honey: "honey",
        meat: "meat", organic: "organic", seafood: "fish and seafood", supermarket: "supermarket",
        convenience: "convenience store", farm: "farm", dairy: "dairy"},
      place: {market: "market", sous_quartier: "neighbourhood", quartier: "district",
              commune: "town", producer: "producer", shop: "shop", epicerie: "grocery",
              cooperative: "cooperative", amap: "AMAP", market_stall: "stall"},
      acceptsMona: "Accepts the MonA", hours: "Days and hours:", noHours: "hours not given",
      address: "Address:", noAddress: "not given", markets: "Markets", filters: "Filters",
      type: "Type", dayLabel: "Day", everyDay: "every day", today: "today",
      stalls: function (n, of) { return n + " of " + of + " stalls take the MonA"; },
      shown: function (n, day) { return n + " place" + (n > 1 ? "s" : "") +
                                        " to pay in MonA" + (day ? " on " + day : ""); },
      computing: "Computing walking times…", fromHere: "On foot from here",
      openOn: function (d) { return " (open on " + d + ")"; }, close: "Close",
      openToday: "open today", closedToday: "closed today", about: "about ",
      walkMin: " min walk", noneOpen: "No conventionné open that day.",
      offNetwork: "Outside the known footpaths: straight line × ",
      walkError: "Walking times unavailable: ", noResult: "No result",
      myPosition: "My position", myPositionLabel: "Nearest conventionnés to my position",
      noPosition: "Position unavailable.", loadError: "Could not load the data: "
    }
  };
  var T = I18N[cfg.lang] || I18N.fr;
  var HOURS = cfg.lang === "en" ? "hours_en" : "hours_fr";
  var DAY_FR = T.day, KIND_FR = T.kind, MARKET_KIND_FR = T.marketKind, CAT_FR = T.cat,
      PLACE_FR = T.place;
  var COLORS = {producer: "#166534", shop: "#1d4ed8", epicerie: "#7c2d12",
                cooperative: "#6b21a8", amap: "#0f766e", market: "#b45309"};

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function icon(kind) {
    return L.divIcon({className: "", iconSize: [18, 18],
      html: '<div class="gc-marker" style="width:14px;height:14px;background:' +
            (COLORS[kind] || "#334155") + '"></div>'});
  }
  function popupPos(p) {
    var cats = (p.categories || []).map(function (c) { return CAT_FR[c] || c; }).join(", ");
    return '<div class="gc-popup"><h2>' + esc(p.name) + "</h2>" +
      "<p>" + esc(KIND_FR[p.kind] || p.kind) + (cats ? " · " + esc(cats) : "") + "</p>" +
      '<p><span class="gc-badge">' + T.acceptsMona + "</span></p>" +
      "<p><strong>" + T.hours + "</strong> " + esc(p[HOURS] || T.noHours) + "</p>" +
      "<p><strong>" + T.address + "</strong> " + esc(p.address || T.noAddress) + "</p></div>";
  }
  function popupMarket(p) {
    return '<div class="gc-popup"><h2>' + esc(p.name) + "</h2>" +
      "<p>" + esc(MARKET_KIND_FR[p.kind] || KIND_FR.market) + "</p>" +
      '<p><span class="gc-badge">' + T.stalls(p.conventionne_stall_count, p.stall_count) +
      "</span></p>" +
      "<p><strong>" + T.hours + "</strong> " + esc(p[HOURS] || T.noHours) + "</p>" +
      "<p><strong>" + T.address + "</strong> " + esc(p.address || T.noAddress) + "</p></div>";
  }

  var entries = [];  // {marker, kind, days}
  function getJSON(url) {
    return fetch(url, {headers: {Accept: "application/geo+json"}}).then(function (r) {
      if (!r.ok) { throw new Error(url + " : " + r.status); }
      return r.json();
    });
  }
  function fetchAll(url) {
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    return getJSON(url + sep + "limit=1000").then(function (fc) { return fc.features; });
  }

  var controls = L.control({position: "topright"});
  controls.onAdd = function () {
    var div = L.DomUtil.create("div", "gc-filters");
    var kinds = ["market", "producer", "shop", "epicerie", "cooperative", "amap"];
    var html = '<form aria-label="' + T.filters + '"><fieldset><legend>' + T.type + "</legend>";
    kinds.forEach(function (k) {
      html += '<label><input type="checkbox" name="kind" value="' + k + '" checked> ' +
              '<span style="color:' + COLORS[k] + '">●</span> ' +
              esc(k === "market" ? T.markets : KIND_FR[k]) + "</label>";
    });
    html += '</fieldset><fieldset><legend><label for="gc-day">' + T.dayLabel +
            '</label></legend><select id="gc-day" name="day"><option value="">' + T.everyDay +
            '</option><option value="today">' + T.today + "</option>";
    DAYS.forEach(function (d) { html += '<option value="' + d + '">' + DAY_FR[d] + "</option>"; });
    html += "</select></fieldset></form>";
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    div.addEventListener("change", applyFilters);
    return div;
  };
  controls.addTo(map);

  function selectedDay() {
    var v = document.getElementById("gc-day").value;
    if (v === "today") { return DAYS[(new Date().getDay() + 6) % 7]; }
    return v;
  }
  function applyFilters() {
    var kinds = {};
    document.querySelectorAll(".gc-filters input[name=kind]").forEach(function (i) {
      kinds[i.value] = i.checked;
    });
    var day = selectedDay();
    var shown = [];
    entries.forEach(function (e) {
      var okDay = !day || (e.days !== null && e.days.indexOf(day) >= 0);
      if (kinds[e.kind] && okDay) { shown.push(e.marker); }
    });
    cluster.clearLayers();
    cluster.addLayers(shown);
    status.textContent = T.shown(shown.length, day ? DAY_FR[day] : "");
  }

  // walking times: click the map (or use "ma position") to list the nearest conventionnés
  var walkBox = document.getElementById("gc-walk");
  var walkLayer = L.layerGroup().addTo(map);
  function walkFrom(lat, lon) {
    var day = selectedDay();
    // the place goes in a POST body: no URL (server, proxy or browser history) holds it
    var place = {lon: Number(lon.toFixed(6)), lat: Number(lat.toFixed(6)), n: 5, route: true,
                 open_on: day || null};
    walkBox.hidden = false;
    walkBox.textContent = T.computing;
    return fetch(cfg.api + "/walk/nearest", {method: "POST", body: JSON.stringify(place),
                                              headers: {"Content-Type": "application/json"}})
      .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.detail || r.status); }
        return body;
      });
    }).then(function (res) {
      walkLayer.clearLayers();
      L.circleMarker([lat, lon], {radius: 7, color: "#0f172a", weight: 3, fillOpacity: 0})
        .addTo(walkLayer);
      if (res.route) {
        L.polyline(res.route.coordinates.map(function (c) { return [c[1], c[0]]; }),
                   {color: "#1d4ed8", weight: 5, opacity: 0.8}).addTo(walkLayer);
      }
      var estimate = res.method !== "network";
      var html = "<h2>" + T.fromHere + (day ? T.openOn(DAY_FR[day]) : "") +
                 '</h2><button type="button" class="gc-close" aria-label="' + T.close +
                 '">×</button><ol>';
      var today = DAYS[(new Date().getDay() + 6) % 7];
      res.features.forEach(function (f, i) {
        var p = f.properties;
        var where = p.market_ref && marketNames[p.market_ref] ?
          " — " + esc(marketNames[p.market_ref]) : "";
        var open = p.open_weekdays == null ? "" : p.open_weekdays.indexOf(today) >= 0 ?
          ' <span class="gc-open">' + T.openToday + "</span>" : " " + T.closedToday;
        html += "<li><strong>" + esc(p.name) + "</strong>" + where + " — " +
                (estimate ? T.about : "") + Math.max(1, Math.round(res.walk[i].walk_min)) +
                T.walkMin + " (" + Math.round(res.walk[i].walk_m) + " m)<br><small>" +
                esc(KIND_FR[p.kind] || p.kind) + open +
                (p[HOURS] ? " · " + esc(p[HOURS]) : "") + "</small></li>";
      });
      html += "</ol>";
      if (!res.features.length) { html += "<p>" + T.noneOpen + "</p>"; }
      if (estimate) {
        html += '<p class="gc-note">' + T.offNetwork +
                res.detour_factor + ".</p>";
      }
      walkBox.innerHTML = html;
      walkBox.querySelector(".gc-close").addEventListener("click", function () {
        walkBox.hidden = true; walkLayer.clearLayers();
      });
    }).catch(function (err) {
      walkBox.textContent = T.walkError + err.message;
    });
  }
  map.on("click", function (e) { walkFrom(e.latlng.lat, e.latlng.lng); });

  // address or place search (offline, in the API; the query goes in a POST body only)
  var marketNames = {};
  var form = document.getElementById("gc-search");
  var input = document.getElementById("gc-q");
  var list = document.getElementById("gc-suggestions");
  var hits = [], active = -1, timer = null, asked = 0;
  L.DomEvent.disableClickPropagation(form);
  L.DomEvent.disableScrollPropagation(form);
  function showHits(found) {
    hits = found; active = -1;
    list.innerHTML = found.map(function (h, i) {
      return '<li role="option" id="gc-opt-' + i + '" aria-selected="false">' + esc(h.label) +
        (h.kind === "place" ? ' <small>(' + esc(PLACE_FR[h.detail] || h.detail) + ")</small>" : "") +
        "</li>";
    }).join("") || '<li role="option" aria-disabled="true">' + T.noResult + "</li>";
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    list.querySelectorAll("li[id]").forEach(function (li, i) {
      li.addEventListener("click", function () { choose(i); });
    });
  }
  function hide() { list.hidden = true; input.setAttribute("aria-expanded", "false");
                    input.removeAttribute("aria-activedescendant"); }
  function ask(q) {
    var mine = ++asked;
    return fetch(cfg.api + "/search", {method: "POST", body: JSON.stringify({q: q, n: 6}),
                                       headers: {"Content-Type": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) { if (mine === asked) { showHits(found); } return found; });
  }
  function choose(i) {
    var h = hits[i];
    if (!h) { return; }
    input.value = h.label;
    hide();
    map.setView([h.lat, h.lon], 16, {animate: false});
    walkFrom(h.lat, h.lon);
  }
  function move(step) {
    var items = list.querySelectorAll("li[id]");
    if (!items.length) { return; }
    active = (active + step + items.length) % items.length;
    items.forEach(function (li, i) { li.setAttribute("aria-selected", String(i === active)); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({block: "nearest"});
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { hide(); return; }
    timer = setTimeout(function () { ask(q); }, 180);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) { ask(input.value.trim()); } else { move(1); } }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { hide(); }
    else if (e.key === "Enter" && active >= 0 && !list.hidden) { e.preventDefault(); choose(active); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (q.length < 2) { return; }
    ask(q).then(function (found) { if (found.length) { choose(0); } });
  });
  if (navigator.geolocation) {
    var locate = L.control({position: "topleft"});
    locate.onAdd = function () {
      var b = L.DomUtil.create("button", "gc-locate");
      b.type = "button";
      b.textContent = T.myPosition;
      b.setAttribute("aria-label", T.myPositionLabel);
      L.DomEvent.disableClickPropagation(b);
      b.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          walkFrom(pos.coords.latitude, pos.coords.longitude);
        }, function () { walkBox.hidden = false; walkBox.textContent = T.noPosition; });
      });
      return b;
    };
    locate.addTo(map);
  }

  var background = getJSON(cfg.api + "/neighbourhoods?level=quartier&limit=1000")
    .then(function (fc) {
      L.geoJSON(fc, {interactive: false,
        style: {color: "#64748b", weight: 1, fillColor: "#f1f5f9", fillOpacity: 0.6}})
        .addTo(map).bringToBack();
    });
  map.attributionControl.addAttribution(esc(cfg.attribution));
  map.fitBounds(cfg.bounds);

  Promise.all([
    fetchAll(cfg.api + "/points-of-sale?status=conventionne"),
    fetchAll(cfg.api + "/markets?with_conventionnes=true"),
    background,
  ]).then(function (res) {
    res[0].forEach(function (f) {
      var p = f.properties;
      if (!p.accepts_mona || p.kind === "market_stall") { return; }  // stalls: via their market
      var c = f.geometry.coordinates;
      var m = L.marker([c[1], c[0]], {icon: icon(p.kind), title: p.name, alt: p.name,
                                      keyboard: true}).bindPopup(popupPos(p));
      entries.push({marker: m, kind: p.kind, days: p.open_weekdays});
    });
    res[1].forEach(function (f) {
      var p = f.properties;
      marketNames[p.ref] = p.name;
      var c = f.geometry.coordinates;
      var m = L.marker([c[1], c[0]], {icon: icon("market"), title: p.name, alt: p.name,
                                      keyboard: true}).bindPopup(popupMarket(p));
      entries.push({marker: m, kind: "market", days: p.open_weekdays});
    });
    applyFilters();
    document.body.setAttribute("data-gc-ready", "1");
  }).catch(function (err) {
    status.textContent = T.loadError + err.message;
    document.body.setAttribute("data-gc-ready", "error");
  });
})();
