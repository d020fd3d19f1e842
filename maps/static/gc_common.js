/* What the geo_caisse pages share: escaping; numbers, money, minutes, months and strata in
   French (or English) words; errors of the API told to a person; the login form and API calls
   with the access token (kept in sessionStorage only). */
window.GCCommon = (function () {
  "use strict";
  var LANG = document.documentElement.lang === "en" ? "en" : "fr";
  var LOCALE = LANG === "en" ? "en-GB" : "fr-FR";
  var MONTHS = new Intl.DateTimeFormat(LOCALE, {month: "long", year: "numeric", timeZone: "UTC"});
  var DAYS = {
    fr: {Mo: "lundi", Tu: "mardi", We: "mercredi", Th: "jeudi", Fr: "vendredi", Sa: "samedi",
         Su: "dimanche"},
    en: {Mo: "Monday", Tu: "Tuesday", We: "Wednesday", Th: "Thursday", Fr: "Friday",
         Sa: "Saturday", Su: "Sunday"}
  }[LANG];
  var SECRET = LANG === "en" ? "withheld (fewer than the minimum group)" : "secret statistique";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  /* 12 345 (French thin spaces) with up to ``digits`` decimals; "secret statistique" for null */
  function num(v, unit, digits) {
    if (v == null) { return SECRET; }
    var n = Number(v);
    return n.toLocaleString(LOCALE, {maximumFractionDigits: digits || 0}) + (unit ? " " + unit : "");
  }
  /* 209 009,00 € */
  function euros(v) {
    return v == null ? SECRET : Number(v).toLocaleString(LOCALE, {style: "currency",
                                                                 currency: "EUR"});
  }
  /* 100 MonA, 1 250,50 MonA: whole amounts without cents, the others with both digits */
  function mona(v) {
    if (v == null) { return SECRET; }
    var n = Number(v), cents = Math.round(n * 100) % 100 !== 0;
    return n.toLocaleString(LOCALE, {minimumFractionDigits: cents ? 2 : 0,
                                     maximumFractionDigits: 2}) + " MonA";
  }
  function pct(x, digits) {
    return x == null ? SECRET : Number(x).toLocaleString(LOCALE, {style: "percent",
                                                                 maximumFractionDigits: digits || 0});
  }
  /* 10,2 min */
  function minutes(v) {
    return Number(v).toLocaleString(LOCALE, {maximumFractionDigits: 1}) + " min";
  }
  /* 350 m, 1,2 km */
  function metres(v) {
    return v < 1000 ? Math.round(v / 10) * 10 + " m"
                    : (v / 1000).toLocaleString(LOCALE, {maximumFractionDigits: 1}) + " km";
  }
  /* "2025-01" -> janvier 2025 */
  function month(ym) {
    var p = String(ym).split("-");
    return MONTHS.format(new Date(Date.UTC(Number(p[0]), Number(p[1]) - 1, 1)));
  }
  /* "07:30" -> 7 h 30 (French), 07:30 (English) */
  function clock(hhmm) {
    if (!hhmm) { return ""; }
    if (LANG === "en") { return hhmm; }
    var p = hhmm.split(":");
    return Number(p[0]) + " h" + (p[1] === "00" ? "" : " " + p[1]);
  }
  function day(code) { return DAYS[code] || code; }
  /* an ISO moment -> 1 décembre 2026 à 10:12 (the page's time zone) */
  var WHEN = new Intl.DateTimeFormat(LOCALE, {dateStyle: "long", timeStyle: "short"});
  var DATE = new Intl.DateTimeFormat(LOCALE, {dateStyle: "long", timeZone: "UTC"});
  var TIME = new Intl.DateTimeFormat(LOCALE, {timeStyle: "short"});
  /* French writes the first of the month "1er" */
  function first(text) { return LANG === "fr" ? text.replace(/^1 /, "1er ") : text; }
  function when(iso) { return first(WHEN.format(new Date(iso))); }
  /* an ISO moment, short for a table on a phone -> 14 nov. 2026, 10:30 */
  var SHORT = new Intl.DateTimeFormat(LOCALE, {day: "numeric", month: "short", year: "numeric",
                                               hour: "2-digit", minute: "2-digit"});
  function short(iso) { return first(SHORT.format(new Date(iso))); }
  function time(iso) { return TIME.format(new Date(iso)); }
  /* "2026-12-01" -> 1er décembre 2026 */
  function date(ymd) { return first(DATE.format(new Date(ymd + "T00:00:00Z"))); }
  /* "12,50", "12.50", "12" -> "12.50" (the API's decimal string); null if not an amount */
  function parseAmount(text) {
    var t = String(text || "").trim().replace(/\s/g, "").replace(",", ".");
    if (!/^\d{1,7}(\.\d{1,2})?$/.test(t)) { return null; }
    var v = Number(t);
    return v > 0 ? v.toFixed(2) : null;
  }
  /* "Q1|<30" -> revenus du 1er quartile, moins de 30 ans */
  function stratum(code) {
    var m = /^Q(\d)\|(.+)$/.exec(code || "");
    if (!m) { return code; }
    var q = Number(m[1]);
    var ages = LANG === "en" ? {"<30": "under 30", "30-60": "30 to 60", ">60": "over 60"}
                             : {"<30": "moins de 30 ans", "30-60": "30 à 60 ans",
                                ">60": "plus de 60 ans"};
    if (LANG === "en") {
      return "income quartile " + q + ", " + (ages[m[2]] || m[2]);
    }
    return "revenus du " + q + (q === 1 ? "er" : "e") + " quartile, " + (ages[m[2]] || m[2]);
  }

  /* An API error told to a person, in the page's language (the API keeps its class). */
  var ERRORS = {
    fr: [
      [/wrong username or password/, "Identifiant ou mot de passe incorrect."],
      [/too many|TooManyRequests/i, "Trop d'essais : patientez un moment avant de réessayer."],
      [/expired: log in again|log in first/, "Votre session a expiré : reconnectez-vous."],
      [/outside the territory/, "Ce lieu est hors du territoire de la caisse."],
      [/look swapped/, "Les coordonnées semblent inversées."],
      [/desert_low_income cannot be computed[\s\S]*under_represented cannot be computed/,
       "Non calculé : ni les revenus ni la population par strate ne sont fournis pour ce territoire. Mettez les poids « déserts alimentaires » et « strates sous-représentées » à 0 pour cibler sur le reste."],
      [/desert_low_income cannot be computed/, "Non calculé : revenus non fournis pour ce territoire. Mettez le poids « déserts alimentaires » à 0 pour cibler sur les autres critères."],
      [/under_represented cannot be computed/, "Non calculé : population par strate non fournie pour ce territoire. Mettez le poids « strates sous-représentées » à 0 pour cibler sur les autres critères."],
      [/no \[enrolment\] strata/, "Non calculé : la population par strate n'est pas fournie pour ce territoire."],
      [/not configured for this territory|add \[/, "Ce service n'est pas disponible pour ce territoire."],
      [/balance too low/, "Solde insuffisant : rien n'a été payé."],
      [/payment code was already used/, "Ce code de paiement a déjà servi : demandez-en un nouveau."],
      [/payment code has expired/, "Ce code de paiement a expiré : demandez-en un nouveau."],
      [/unknown payment code/, "Code de paiement inconnu : vérifiez-le."],
      [/no movement yet/, "Le registre ne contient encore aucun mouvement."],
      [/this account is disabled/, "Ce compte est désactivé : adressez-vous à l'équipe de la caisse."],
      [/invitation code is not valid/, "Ce code n'est pas valable : il a peut-être déjà servi ou été remplacé par une lettre plus récente."],
      [/invitation has expired/, "Ce code a expiré : demandez une nouvelle lettre à l'équipe de la caisse."],
      [/invitation code must be/, "Le code de la lettre compte 12 lettres et chiffres (par exemple ABCD-EFGH-JKMN)."],
      [/payment code must be/, "Le code de paiement compte 10 lettres et chiffres : vérifiez-le."],
      [/password must be at least/, "Le mot de passe doit compter au moins 10 caractères."],
      [/commonest passwords/, "Ce mot de passe est trop courant : choisissez-en un autre."],
      [/repeats too few/, "Ce mot de passe répète trop peu de caractères : choisissez-en un autre."],
      [/must not contain the login/, "Le mot de passe ne doit pas contenir l'identifiant."],
      [/already taken/, "Cet identifiant est déjà pris : choisissez-en un autre."],
      [/login must be|pattern/, "L'identifiant ne peut contenir que des lettres, des chiffres, « . », « - », « _ » ou « @ »."],
      [/already has a login/, "Ce membre a déjà un compte : envoyez-lui plutôt une lettre pour un nouveau mot de passe."],
      [/more than can be reconverted/, "Montant trop élevé : il dépasse le solde moins les demandes en attente."],
      [/does not cash at that point/, "Ce compte n'encaisse pas pour ce point de vente."],
      [/not a conventionné accepting/, "Ce point de vente n'est pas conventionné pour la MonA : paiement impossible."],
      [/was already (approved|refused)/, "Cette demande a déjà été traitée."],
      [/cannot disable their own/, "Vous ne pouvez pas désactiver votre propre compte."],
      [/has left the caisse/, "Ce membre a quitté la caisse."],
      [/already has a dossier/, "Ce point de vente a déjà son dossier."],
      [/not in the territory's grid/, "Ce critère ne fait pas partie de la grille de la caisse."],
      [/no dossier with id/, "Ce dossier n'existe pas."],
      [/walking network/, "Ce lieu est trop loin des rues du réseau piéton : pas de temps de marche calculable."],
      [/seats but only \d+ volunteers/, "Il y a moins de volontaires en attente que de places : réduisez le nombre de places."],
      [/the volunteer list is empty/, "Aucun volontaire en attente : personne à tirer au sort."],
      [/no draw with id/, "Ce tirage n'existe pas."],
      [/seed must be an integer/, "La graine doit être un nombre entier positif d'au plus 18 chiffres."],
      [/no panel meets every quota/, "Aucun tirage ne peut respecter tous les quotas avec ces volontaires."]
    ],
    en: [
      [/wrong username or password/, "Wrong username or password."],
      [/cannot be computed/, "Not computed: this territory lacks the data (set that weight to 0)."],
      [/too many|TooManyRequests/i, "Too many attempts: wait a moment and try again."],
      [/outside the territory/, "This place is outside the caisse's territory."],
      [/this account is disabled/, "This account is disabled: ask the caisse's team."],
      [/invitation code is not valid/, "This code is not valid: it may have been used or replaced by a newer letter."],
      [/invitation has expired/, "This code has expired: ask the caisse's team for a new letter."],
      [/invitation code must be/, "The letter's code has 12 letters and digits (e.g. ABCD-EFGH-JKMN)."],
      [/password must be at least/, "The password must have at least 10 characters."],
      [/commonest passwords/, "This password is too common: choose another."],
      [/repeats too few/, "This password repeats too few characters: choose another."],
      [/must not contain the login/, "The password must not contain the login."],
      [/already taken/, "This login is taken: choose another."],
      [/login must be|pattern/, "The login may only hold letters, digits, '.', '-', '_' or '@'."],
      [/balance too low/, "Balance too low: nothing was paid."]
    ]
  }[LANG];
  var BY_CLASS = {
    fr: {AuthError: "Connexion nécessaire.", ForbiddenError: "Ce compte n'a pas accès à cette page.",
         NotFoundError: "Introuvable.", ValidationError: "Saisie incorrecte.",
         ConflictError: "Opération refusée : rien n'a été enregistré.",
         PaymentRefusedError: "Paiement refusé : rien n'a été payé.",
         DataError: "Ce service n'est pas disponible pour ce territoire.",
         MissingInputError: "Non calculé : une donnée manque pour ce territoire.",
         StorageError: "Service momentanément indisponible : réessayez dans un instant.",
         PayloadTooLargeError: "Fichier ou envoi trop volumineux.",
         TooManyRequestsError: "Trop d'essais : patientez un moment avant de réessayer.",
         LoginThrottledError: "Trop d'essais de connexion : patientez un moment avant de réessayer.",
         ServerBusyError: "Le service est très demandé : réessayez dans un instant.",
         StoreBusyError: "Le service est occupé : réessayez dans un instant.",
         StoreReadOnlyError: "Le service est en lecture seule pour l'instant : rien n'a été enregistré.",
         StoreFullError: "Le service ne peut plus rien enregistrer pour l'instant : prévenez l'équipe de la caisse.",
         StoreConnectionError: "Le service est momentanément indisponible : réessayez dans un instant.",
         network: "Pas de connexion avec le service : vérifiez le réseau et réessayez."},
    en: {AuthError: "Please log in.", ForbiddenError: "This account may not see this page.",
         NotFoundError: "Not found.", ValidationError: "Please check what you typed.",
         ConflictError: "Refused: nothing was saved.", DataError: "Not available here.",
         MissingInputError: "Not computed: this territory lacks the data.",
         StorageError: "The service is busy: try again in a moment.",
         TooManyRequestsError: "Too many attempts: wait a moment and try again.",
         LoginThrottledError: "Too many login attempts: wait a moment and try again.",
         ServerBusyError: "The service is busy: try again in a moment.",
         StoreBusyError: "The service is busy: try again in a moment.",
         StoreReadOnlyError: "The service cannot save anything right now.",
         StoreFullError: "The service cannot save anything right now: tell the caisse's team.",
         StoreConnectionError: "The service is unavailable: try again in a moment.",
         network: "No connection with the service: check the network and try again."}
  }[LANG];
  function message(body) {
    var detail = body && typeof body.detail === "string" ? body.detail : "";
    for (var i = 0; i < ERRORS.length; i++) {
      if (ERRORS[i][0].test(detail) || ERRORS[i][0].test(body && body.error || "")) {
        return ERRORS[i][1];
      }
    }
    return BY_CLASS[body && body.error] || BY_CLASS.ValidationError;
  }
  function ApiError(body, status) {
    this.body = body || {}; this.status = status;
    this.message = message(this.body);
  }
  ApiError.prototype = Object.create(Error.prototype);
  /* fetch JSON; an error answer rejects with an ApiError whose message is for a person */
  function json(url, opts) {
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new ApiError(body, r.status); }
        return body;
      });
    }, function () { throw new ApiError({error: "network"}, 0); });
  }
  function post(url, body) {
    return json(url, {method: "POST", body: JSON.stringify(body),
                      headers: {"Content-Type": "application/json"}});
  }

  function session(cfg, status, onLogin) {
    var token = sessionStorage.getItem("gc-token");
    function logout() { sessionStorage.removeItem("gc-token"); token = null; location.reload(); }
    function api(path, opts) {
      var o = opts || {};
      o.headers = Object.assign({Authorization: "Bearer " + token}, o.headers || {});
      return json(cfg.api + path, o).catch(function (err) {
        if (err.status === 401) { logout(); }
        throw err;
      });
    }
    var form = document.getElementById("gc-login");
    var shown = document.getElementById("gc-login-error");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = new URLSearchParams();
      data.set("username", document.getElementById("gc-user").value);
      data.set("password", document.getElementById("gc-pass").value);
      json(cfg.api + "/token", {method: "POST", body: data}).then(function (body) {
        token = body.access_token; sessionStorage.setItem("gc-token", token); onLogin();
      }).catch(function (err) {
        shown.textContent = err.message;
        status.textContent = LANG === "en" ? "Login refused" : "Connexion refusée";
      });
    });
    if (token) { setTimeout(onLogin, 0); }
    return {api: api, logout: logout};
  }
  return {esc: esc, num: num, euros: euros, mona: mona, pct: pct, minutes: minutes,
          metres: metres, month: month, clock: clock, day: day, stratum: stratum,
          when: when, short: short, time: time, date: date, parseAmount: parseAmount,
          message: message, json: json, post: post, session: session, lang: LANG,
          secret: SECRET};
})();
