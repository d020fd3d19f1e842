/* What the logged-in geo_caisse pages share: escaping, the login form, API calls with the
   access token (kept in sessionStorage only) and the plain vector background (no tiles). */
window.GCCommon = (function () {
  "use strict";
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function num(v, unit) {
    return v == null ? "secret statistique" :
      Number(v).toLocaleString("fr-FR", {maximumFractionDigits: 0}) + (unit ? " " + unit : "");
  }
  function session(cfg, status, onLogin) {
    var token = sessionStorage.getItem("gc-token");
    function logout() { sessionStorage.removeItem("gc-token"); token = null; location.reload(); }
    function api(path) {
      return fetch(cfg.api + path, {headers: {Authorization: "Bearer " + token}})
        .then(function (r) {
          return r.json().then(function (body) {
            if (r.status === 401) { logout(); }
            if (!r.ok) { throw new Error(body.detail || r.status); }
            return body;
          });
        });
    }
    document.getElementById("gc-login").addEventListener("submit", function (e) {
      e.preventDefault();
      var form = new URLSearchParams();
      form.set("username", document.getElementById("gc-user").value);
      form.set("password", document.getElementById("gc-pass").value);
      fetch(cfg.api + "/token", {method: "POST", body: form}).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.detail || r.status); }
          token = body.access_token; sessionStorage.setItem("gc-token", token); onLogin();
        });
      }).catch(function (err) { status.textContent = "Connexion refusée : " + err.message; });
    });
    if (token) { setTimeout(onLogin, 0); }
    return {api: api, logout: logout};
  }
  function background(map, cfg) {
    map.fitBounds(cfg.bounds);
    return fetch(cfg.api + "/neighbourhoods?level=quartier&limit=1000")
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        L.geoJSON(fc, {interactive: false, style: {color: "#64748b", weight: 1, fill: true,
                                                   fillColor: "#f8fafc", fillOpacity: 1}})
          .addTo(map).bringToBack();
      });
  }
  return {esc: esc, num: num, session: session, background: background};
})();
