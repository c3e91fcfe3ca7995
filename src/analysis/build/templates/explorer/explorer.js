/* The offline explorer (analysis.explorer writes it inline into explorer.html).
 *
 * Plain JavaScript, no library: the data are the payload of
 * analysis.explorer.explorer_payload (inline JSON), every word comes from it, and the
 * page only filters, counts and divides. The state lives in the URL fragment
 * (#q=...&muni=...): a reload or a shared link restores the view, back and forward work.
 */
(function () {
  "use strict";

  var P = JSON.parse(document.getElementById("explorer-data").textContent);
  var W = P.words;
  var C = {};
  P.facts.columns.forEach(function (name, i) { C[name] = i; });
  var FACTS = P.facts.rows;
  // Columns stored as indices into P.facts.values (analysis.explorer.ENCODED_COLUMNS).
  // ... and channels as lists of indices into P.facts.values.channels ([channel, purpose]).
  Object.keys(P.facts.values).forEach(function (column) {
    var values = P.facts.values[column];
    var at = C[column];
    if (column === "channels") {
      FACTS.forEach(function (fact) {
        fact[at] = fact[at].map(function (i) { return values[i]; });
      });
    } else {
      FACTS.forEach(function (fact) { fact[at] = values[fact[at]]; });
    }
  });
  var MUNIS = P.municipalities;
  var SOURCES = P.sources;
  var FILTERS = P.filters;
  var COMPARE = P.comparison;
  var PAGE = 100;
  var collator = new Intl.Collator(P.lang);

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }

  // ------------------------------------------------------------------ search folding
  // The same rule as analysis.explorer.search_fold (a browser test holds them equal):
  // NFKC on the ideographic space and the half-/full-width forms only, katakana to
  // hiragana, ASCII letters to lower case.
  var WIDE = /[\u3000\uff01-\uff9f]+/g;
  var HAS_WIDE = /[\u3000\uff01-\uff9f]/;
  var SPACE = /\s+/g;
  var buffer = new Uint16Array(4096);
  var UTF16 = new TextDecoder("utf-16le");

  function nfkc(run) { return run.normalize("NFKC"); }

  // One pass over the UTF-16 code units (all the ranges are in the BMP): a regular
  // expression with a callback per character took most of the page's start-up.
  function fold(text) {
    text = String(text);
    if (HAS_WIDE.test(text)) { text = text.replace(WIDE, nfkc); }
    var n = text.length;
    if (n > buffer.length) { buffer = new Uint16Array(n * 2); }
    var changed = false;
    for (var i = 0; i < n; i++) {
      var c = text.charCodeAt(i);
      if ((c >= 0x30a1 && c <= 0x30f6) || c === 0x30fd || c === 0x30fe) {
        c -= 0x60;
        changed = true;
      } else if (c >= 0x41 && c <= 0x5a) {
        c += 32;
        changed = true;
      }
      buffer[i] = c;
    }
    // (a Uint16Array is little-endian on every platform a browser runs on today)
    return changed ? UTF16.decode(buffer.subarray(0, n)) : text;
  }

  // ------------------------------------------------------------------ facts prepared
  var muniIndex = {};
  MUNIS.forEach(function (m, i) { muniIndex[m.code] = i; });

  function muniName(m) { return P.lang === "ja" ? m.name : m.name_en; }
  function categoryLabel(key) { return key ? (P.category_labels[key] || key) : ""; }
  function menuLabel(key) { return key && key !== "none" ? (P.menu_labels[key] || key) : ""; }
  // A channel is named with its purpose unless it is a way to consult (the default).
  function channelLabels(pairs) {
    return pairs.map(function (pair) {
      var name = P.channel_labels[pair[0]] || pair[0];
      return pair[1] === P.channel_purposes.default ? name
        : format(W.channel_purpose, { channel: name, purpose: P.purpose_labels[pair[1]] || pair[1] });
    });
  }
  function perYearText(value) {
    return value === null ? "" : format(W.per_year, { n: String(value) });
  }

  var ageFilter = FILTERS.filter(function (f) { return f.key === "age"; })[0];

  var COVERING = {};
  P.covering_kinds.forEach(function (kind) { COVERING[kind] = true; });

  function ageBands(intervals) {
    // An empty minimum is age 0, an empty maximum the top of the axis (80 and over), as
    // analysis.compare.ages reads target ages; a fact overlaps a band if any covering
    // statement does (a limit, all ages, an addition — never a main group).
    var max = P.age_axis_max;
    var found = [];
    if (!ageFilter) { return found; }
    intervals.forEach(function (span) {
      if (!COVERING[span[2]]) { return; }
      var lo = span[0] === null ? 0 : Math.min(Math.max(span[0], 0), max);
      var hi = span[1] === null ? max : Math.min(Math.max(span[1], 0), max);
      if (lo > hi) { return; }
      ageFilter.options.forEach(function (band, b) {
        if (lo <= band.hi && hi >= band.lo && found.indexOf(b) < 0) { found.push(b); }
      });
    });
    return found;
  }

  // The value of a single-valued filter for a fact (channel and age have several).
  function rawValue(key, fact) {
    var m = MUNIS[fact[C.muni]];
    var s = SOURCES[fact[C.source]];
    switch (key) {
      case "muni": return m.code;
      case "area": return m.area;
      case "size": return m.size_band;
      case "table": return fact[C.table];
      case "category": return fact[C.category];
      case "menu": return fact[C.menu];
      case "regular": return fact[C.regular];
      case "edition": return s.edition;
      case "basis": return s.basis;
      default: return undefined;
    }
  }

  var optionIndex = FILTERS.map(function (f) {
    var index = {};
    f.options.forEach(function (o, i) { index[o.key] = i; });
    return index;
  });

  // Per filter, each fact's option index (-1: none) or, for channel and age, the list of
  // its option indices: one typed array per filter, not an array per fact and filter.
  var MULTI = FILTERS.map(function (f) { return f.key === "channel" || f.key === "age"; });
  var VALUES = FILTERS.map(function (f, k) {
    return MULTI[k] ? new Array(FACTS.length) : new Int32Array(FACTS.length).fill(-1);
  });
  // What a search looks at, per fact. Whitespace inside a field is ignored (quotes of
  // OCR'd text have spaces between characters, which the validator ignores too); fields
  // are kept apart by U+0001, so a term never matches across two of them. All facts are
  // folded in one call (U+0002 between facts): one pass instead of one per fact. The
  // source's title is left out: every title says ひきこもり, so every fact would match.
  var HAY = fold(FACTS.map(function (fact) {
    var m = MUNIS[fact[C.muni]];
    return [
      m.name, m.kana, m.name_en, P.tables[fact[C.table]], fact[C.name], fact[C.detail],
      categoryLabel(fact[C.category]), menuLabel(fact[C.menu]),
      channelLabels(fact[C.channels]).join("\u0001"), fact[C.age_text], fact[C.frequency],
      perYearText(fact[C.per_year]), fact[C.regular] ? P.regular_labels[fact[C.regular]] : "",
      fact[C.row_id], fact[C.quote]
    ].join("\u0001");
  }).join("\u0002")).replace(SPACE, "").split("\u0002");
  FACTS.forEach(function (fact, i) {
    for (var k = 0; k < FILTERS.length; k++) {
      if (FILTERS[k].key === "age") {
        VALUES[k][i] = ageBands(fact[C.ages]);
      } else if (!MULTI[k]) {
        var at = optionIndex[k][rawValue(FILTERS[k].key, fact)];
        if (at !== undefined) { VALUES[k][i] = at; }
      }
    }
  });

  // The channel filter's values: each fact's channels of the chosen purpose ("any": all).
  var channelFilter = -1;
  FILTERS.forEach(function (f, k) { if (f.key === "channel") { channelFilter = k; } });
  var channelPurpose = null;

  function setChannelPurpose(purpose) {
    if (channelFilter < 0 || purpose === channelPurpose) { return; }
    channelPurpose = purpose;
    var index = optionIndex[channelFilter];
    var values = VALUES[channelFilter];
    FACTS.forEach(function (fact, i) {
      var found = [];
      fact[C.channels].forEach(function (pair) {
        if (purpose !== "any" && pair[1] !== purpose) { return; }
        var at = index[pair[0]];
        if (at !== undefined && found.indexOf(at) < 0) { found.push(at); }
      });
      values[i] = found;
    });
  }

  function hasOption(k, i, option) {
    return MULTI[k] ? VALUES[k][i].indexOf(option) >= 0 : VALUES[k][i] === option;
  }

  function countOptions(k, i, counts) {
    if (MULTI[k]) {
      var list = VALUES[k][i];
      for (var j = 0; j < list.length; j++) { counts[list[j]]++; }
    } else if (VALUES[k][i] >= 0) {
      counts[VALUES[k][i]]++;
    }
  }

  // ------------------------------------------------------------------ state and URL
  var focusCodes = Object.keys(COMPARE.has).sort();
  var state = defaultState();
  var shown = PAGE;

  function defaultState() {
    var filters = {};
    FILTERS.forEach(function (f) { filters[f.key] = ""; });
    // peers "": the focus's default group (the gap review's)
    return { view: "facts", q: "", filters: filters, purpose: P.channel_purposes.default,
             sort: "", dir: "asc", focus: focusCodes[0] || "", peers: "", gsort: "",
             gdir: "asc" };
  }

  function serialize(s) {
    var d = defaultState();
    var params = new URLSearchParams();
    if (s.view !== d.view) { params.set("view", s.view); }
    if (s.q) { params.set("q", s.q); }
    FILTERS.forEach(function (f) {
      if (s.filters[f.key]) { params.set(f.key, s.filters[f.key]); }
    });
    if (s.purpose !== d.purpose) { params.set("purpose", s.purpose); }
    if (s.sort) { params.set("sort", s.sort); params.set("dir", s.dir); }
    if (s.view === "compare" || s.focus !== d.focus || s.peers !== d.peers) {
      if (s.focus !== d.focus) { params.set("focus", s.focus); }
      if (s.peers !== d.peers) { params.set("peers", s.peers); }
    }
    if (s.gsort) { params.set("gsort", s.gsort); params.set("gdir", s.gdir); }
    return params.toString();
  }

  function parse(hash) {
    var s = defaultState();
    var params = new URLSearchParams(hash.replace(/^#/, ""));
    if (params.get("view") === "compare") { s.view = "compare"; }
    s.q = params.get("q") || "";
    FILTERS.forEach(function (f, k) {
      var v = params.get(f.key);
      if (v !== null && optionIndex[k][v] !== undefined) { s.filters[f.key] = v; }
    });
    var purpose = params.get("purpose");
    if (purpose && PURPOSES[purpose]) { s.purpose = purpose; }
    var sort = params.get("sort");
    if (sort && FACT_COLUMNS_BY_KEY[sort]) {
      s.sort = sort;
      s.dir = params.get("dir") === "desc" ? "desc" : "asc";
    }
    var focus = params.get("focus");
    if (focus && COMPARE.peer_groups[focus]) { s.focus = focus; }
    var peers = params.get("peers");
    if (peers && groupOf(s.focus, peers) && peers !== defaultOf(s.focus)) { s.peers = peers; }
    var gsort = params.get("gsort");
    if (gsort && GAP_COLUMNS_BY_KEY[gsort]) {
      s.gsort = gsort;
      s.gdir = params.get("gdir") === "desc" ? "desc" : "asc";
    }
    return s;
  }

  var PURPOSES = {};
  P.channel_purposes.options.forEach(function (o) { PURPOSES[o.key] = true; });

  var current = null;  // the fragment of the view on screen

  function commit(push) {
    var fragment = serialize(state);
    current = fragment;
    if (("#" + fragment) === location.hash || (!fragment && !location.hash)) { return; }
    if (push) {
      location.hash = fragment;  // a history entry: back and forward step through views
    } else {
      history.replaceState(null, "", "#" + fragment);  // typing: no entry per key
    }
  }

  window.addEventListener("hashchange", function () {
    var fragment = location.hash.replace(/^#/, "");
    if (fragment === current) { return; }
    state = parse(location.hash);
    current = serialize(state);
    shown = PAGE;
    syncControls();
    render();
  });

  // ------------------------------------------------------------------ sortable tables
  function headerRow(table, columns, sortKey, dir, onSort) {
    var row = document.createElement("tr");
    columns.forEach(function (col) {
      var th = document.createElement("th");
      th.scope = "col";
      if (col.key === sortKey) {
        th.setAttribute("aria-sort", dir === "desc" ? "descending" : "ascending");
      }
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = col.label;
      button.setAttribute("data-sort", col.key);
      button.addEventListener("click", function () { onSort(col.key); });
      th.appendChild(button);
      row.appendChild(th);
    });
    var thead = table.querySelector("thead");
    thead.replaceChildren(row);
  }

  function nextSort(key, sortKey, dir) {
    return key === sortKey ? (dir === "asc" ? "desc" : "asc") : "asc";
  }

  // A header whose buttons sort by state[sortField] in state[dirField] (the facts: sort,
  // dir; the comparison: gsort, gdir), redraw, record the view and keep the focus.
  function sortableHeader(table, columns, sortField, dirField) {
    headerRow(table, columns, state[sortField], state[dirField], function (key) {
      state[dirField] = nextSort(key, state[sortField], state[dirField]);
      state[sortField] = key;
      render();
      commit(true);
      focusSortButton(table, key);
    });
  }

  function cell(row, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function span(parent, text, className) {
    if (!text) { return; }
    var el = document.createElement("span");
    if (className) { el.className = className; }
    el.textContent = text;
    parent.appendChild(el);
  }

  // ------------------------------------------------------------------ facts view
  function nullLast(a, b) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    return a < b ? -1 : 1;
  }

  var TABLE_ORDER = {};
  Object.keys(P.tables).forEach(function (t, i) { TABLE_ORDER[t] = i; });

  function firstAge(fact) {
    var ages = fact[C.ages];
    return ages.length ? (ages[0][0] === null ? 0 : ages[0][0]) : null;
  }

  var FACT_COLUMNS = [
    { key: "muni", label: W.col_muni,
      compare: function (a, b) { return collator.compare(MUNIS[a[C.muni]].code, MUNIS[b[C.muni]].code); } },
    { key: "table", label: W.col_table,
      compare: function (a, b) { return TABLE_ORDER[a[C.table]] - TABLE_ORDER[b[C.table]]; } },
    { key: "name", label: W.col_name,
      compare: function (a, b) { return collator.compare(a[C.name], b[C.name]); } },
    { key: "category", label: W.col_category,
      compare: function (a, b) {
        return collator.compare(categoryLabel(a[C.category]), categoryLabel(b[C.category]));
      } },
    { key: "channel", label: W.col_channel,
      compare: function (a, b) {
        return collator.compare(channelLabels(a[C.channels]).join(), channelLabels(b[C.channels]).join());
      } },
    { key: "ages", label: W.col_ages,
      compare: function (a, b) { return nullLast(firstAge(a), firstAge(b)); } },
    { key: "frequency", label: W.col_frequency,
      compare: function (a, b) { return nullLast(a[C.per_year], b[C.per_year]); } },
    { key: "source", label: W.col_source,
      compare: function (a, b) { return collator.compare(a[C.row_id], b[C.row_id]); } },
    { key: "quote", label: W.col_quote,
      compare: function (a, b) { return collator.compare(a[C.quote], b[C.quote]); } }
  ];
  var FACT_COLUMNS_BY_KEY = {};
  FACT_COLUMNS.forEach(function (c) { FACT_COLUMNS_BY_KEY[c.key] = c; });

  var selects = [];

  function buildFilters() {
    var box = document.getElementById("filters");
    FILTERS.forEach(function (f, k) {
      var wrap = document.createElement("div");
      var labelEl = document.createElement("label");
      labelEl.htmlFor = "filter-" + f.key;
      labelEl.textContent = f.label;
      var select = document.createElement("select");
      select.id = "filter-" + f.key;
      select.name = f.key;
      var all = document.createElement("option");
      all.value = "";
      select.appendChild(all);
      var group = null;
      var groupName = null;
      f.options.forEach(function (o) {
        var option = document.createElement("option");
        option.value = o.key;
        if (o.group && o.group !== groupName) {
          group = document.createElement("optgroup");
          group.label = o.group;
          groupName = o.group;
          select.appendChild(group);
        }
        (o.group ? group : select).appendChild(option);
      });
      select.addEventListener("change", function () {
        state.filters[f.key] = select.value;
        shown = PAGE;
        render();
        commit(true);
      });
      wrap.appendChild(labelEl);
      wrap.appendChild(select);
      box.appendChild(wrap);
      selects[k] = select;
      if (f.key === "channel") { box.appendChild(purposeControl()); }
    });
  }

  // Which channels the channel filter counts: ways to consult by default.
  function purposeControl() {
    var wrap = document.createElement("div");
    var labelEl = document.createElement("label");
    labelEl.htmlFor = "filter-purpose";
    labelEl.textContent = P.channel_purposes.label;
    var select = document.createElement("select");
    select.id = "filter-purpose";
    select.name = "purpose";
    P.channel_purposes.options.forEach(function (o) {
      var option = document.createElement("option");
      option.value = o.key;
      option.textContent = o.label;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      state.purpose = select.value;
      shown = PAGE;
      render();
      commit(true);
    });
    wrap.appendChild(labelEl);
    wrap.appendChild(select);
    return wrap;
  }

  function search() {
    setChannelPurpose(state.purpose);
    var terms = fold(state.q).split(/\s+/).filter(Boolean);
    var active = [];
    FILTERS.forEach(function (f, k) {
      var v = state.filters[f.key];
      if (v) { active.push([k, optionIndex[k][v]]); }
    });
    var counts = FILTERS.map(function (f) { return new Array(f.options.length).fill(0); });
    var totals = FILTERS.map(function () { return 0; });
    var found = [];
    for (var i = 0; i < FACTS.length; i++) {
      var hay = HAY[i];
      var ok = true;
      for (var t = 0; t < terms.length; t++) {
        if (hay.indexOf(terms[t]) < 0) { ok = false; break; }
      }
      if (!ok) { continue; }
      // Facet counts: how many facts each option would give with the other filters kept.
      var failed = -1;
      var misses = 0;
      for (var a = 0; a < active.length; a++) {
        if (!hasOption(active[a][0], i, active[a][1])) {
          misses++;
          failed = active[a][0];
          if (misses > 1) { break; }
        }
      }
      if (misses === 0) {
        found.push(i);
        for (var k = 0; k < FILTERS.length; k++) {
          totals[k]++;
          countOptions(k, i, counts[k]);
        }
      } else if (misses === 1) {
        totals[failed]++;
        countOptions(failed, i, counts[failed]);
      }
    }
    return { found: found, counts: counts, totals: totals };
  }

  function sortFound(found) {
    if (!state.sort) { return found; }
    var column = FACT_COLUMNS_BY_KEY[state.sort];
    var sign = state.dir === "desc" ? -1 : 1;
    return found.slice().sort(function (a, b) {
      return sign * column.compare(FACTS[a], FACTS[b]) || a - b;
    });
  }

  function factRow(fact) {
    var m = MUNIS[fact[C.muni]];
    var s = SOURCES[fact[C.source]];
    var row = document.createElement("tr");
    var where = cell(row);
    if (m.profile) {
      var link = document.createElement("a");
      link.setAttribute("href", P.links.profile.replace("{code}", m.code));
      link.className = "name";
      link.textContent = muniName(m);
      link.title = format(W.profile_link, { name: muniName(m) });
      where.appendChild(link);
    } else {
      span(where, muniName(m), "name");
    }
    cell(row).textContent = P.tables[fact[C.table]];
    var name = cell(row);
    span(name, fact[C.name], "name");
    span(name, fact[C.detail], "detail name");
    var category = cell(row);
    span(category, categoryLabel(fact[C.category]));
    span(category, menuLabel(fact[C.menu]), "sub");
    cell(row).textContent = channelLabels(fact[C.channels]).join(W.list_separator || ", ");
    var ages = cell(row);
    span(ages, fact[C.age_text], "name");
    var frequency = cell(row);
    span(frequency, fact[C.frequency], "name");
    span(frequency, perYearText(fact[C.per_year]), "sub");
    span(frequency, fact[C.regular] ? P.regular_labels[fact[C.regular]] : "", "sub");
    var source = cell(row);
    span(source, s.edition_label);
    span(source, s.title, "sub name");
    if (s.internal) { span(source, W.internal, "internal"); }
    span(source, fact[C.row_id], "ref");
    var quote = cell(row, "quote-cell");
    span(quote, fact[C.quote], "quote");
    return row;
  }

  function renderFacts() {
    var result = search();
    FILTERS.forEach(function (f, k) {
      var select = selects[k];
      var options = select.options;
      options[0].textContent = W.filter_all + " (" + result.totals[k] + ")";
      for (var i = 1; i < options.length; i++) {
        options[i].textContent = f.options[i - 1].label + " (" + result.counts[k][i - 1] + ")";
      }
      select.value = state.filters[f.key];
      select.classList.toggle("active", Boolean(state.filters[f.key]));
    });
    var purpose = document.getElementById("filter-purpose");
    if (purpose) {
      purpose.value = state.purpose;
      purpose.classList.toggle("active", state.purpose !== P.channel_purposes.default);
    }
    renderContext(document.getElementById("context"),
                  state.filters.muni ? [MUNIS[muniIndex[state.filters.muni]]] : [], false);
    var status = document.getElementById("status");
    status.textContent = result.found.length
      ? format(W.status, { n: result.found.length, total: FACTS.length })
      : W.status_none;
    status.setAttribute("data-count", String(result.found.length));
    var table = document.getElementById("results");
    sortableHeader(table, FACT_COLUMNS, "sort", "dir");
    var ordered = sortFound(result.found);
    var body = document.createElement("tbody");
    ordered.slice(0, shown).forEach(function (i) { body.appendChild(factRow(FACTS[i])); });
    table.replaceChild(body, table.querySelector("tbody"));
    var more = document.getElementById("more");
    var left = ordered.length - shown;
    more.hidden = left <= 0;
    more.textContent = format(W.more, { n: Math.max(left, 0) });
  }

  function focusSortButton(table, key) {
    var button = table.querySelector('thead button[data-sort="' + key + '"]');
    if (button) { button.focus(); }
  }

  // ------------------------------------------------------------------ context
  // Who the municipalities are: area, size band, population and the estimated need,
  // always with the estimate's caveat (a national rate applied locally).
  var CONTEXT_COLUMNS = [
    { label: W.col_muni, value: function (m) { return muniName(m); } },
    { label: W.filter_area, value: function (m) { return m.area ? P.area_labels[m.area] : ""; } },
    { label: W.filter_size, value: function (m) { return m.size_band ? P.size_labels[m.size_band] : ""; } },
    { label: W.population, value: function (m) { return m.population_text; }, num: true },
    { label: W.estimate, value: function (m) { return m.estimate_text; }, num: true }
  ];

  function renderContext(box, munis, peersToo) {
    box.replaceChildren();
    box.hidden = !munis.length;
    if (!munis.length) { return; }
    var table = document.createElement("table");
    table.className = "context";
    var caption = document.createElement("caption");
    caption.textContent = peersToo ? format(W.context_caption_peers, { n: munis.length - 1 })
      : W.context_caption;
    table.appendChild(caption);
    var head = document.createElement("thead");
    var headRow = document.createElement("tr");
    CONTEXT_COLUMNS.forEach(function (col) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = col.label;
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = document.createElement("tbody");
    munis.forEach(function (m, i) {
      var row = document.createElement("tr");
      row.setAttribute("data-code", m.code);
      if (peersToo && i === 0) { row.className = "focus"; }
      CONTEXT_COLUMNS.forEach(function (col, c) {
        var td;
        if (c === 0) {
          td = document.createElement("th");
          td.scope = "row";
          row.appendChild(td);
        } else {
          td = cell(row, col.num ? "num" : "");
        }
        td.textContent = col.value(m);
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    box.appendChild(wrap);
    [W.estimate_citation, W.size_band_note].forEach(function (text) {
      var note = document.createElement("p");
      note.className = "hint caveat";
      note.textContent = text;
      box.appendChild(note);
    });
  }

  // ------------------------------------------------------------------ comparison view
  function groupOf(focus, key) {
    var groups = COMPARE.peer_groups[focus] || [];
    for (var i = 0; i < groups.length; i++) {
      if (groups[i][0] === key) { return groups[i]; }
    }
    return null;
  }

  function defaultOf(focus) {
    var choice = COMPARE.defaults[focus];
    return choice ? choice[0] : "all";
  }

  // The group on screen: the chosen one, or the focus's default (the gap review's).
  function peersOf(s) { return s.peers || defaultOf(s.focus); }

  // The name of a focus's group (analysis.compare.peers.peer_group_name): the size group
  // names the focus's band.
  function peerName(focus, key) {
    if (key !== "size") { return COMPARE.peer_labels[key] || key; }
    var band = MUNIS[muniIndex[focus]].size_band || "";
    return COMPARE.peer_labels["size:" + band] || COMPARE.peer_labels["size:"];
  }

  function peerCodes(focus, key) {
    var group = groupOf(focus, key);
    return COMPARE.peer_sets[group[1]]
      .map(function (i) { return MUNIS[i].code; })
      .filter(function (code) { return code !== focus; });
  }

  // The gap review's numbers (analysis.compare.peers.peer_benchmark): for every feature,
  // whether the focus has it, how many peers have it, of how many, the share, the gap;
  // and whether only a supplementary source of the focus states it (marked, not counted).
  function benchmark(focus, key) {
    var peers = peerCodes(focus, key);
    var withIt = new Array(COMPARE.features.length).fill(0);
    peers.forEach(function (code) {
      COMPARE.has[code].forEach(function (j) { withIt[j]++; });
    });
    var own = {};
    COMPARE.has[focus].forEach(function (j) { own[j] = true; });
    var extra = {};
    (COMPARE.supplementary[focus] || []).forEach(function (j) { extra[j] = true; });
    return COMPARE.features.map(function (feature, j) {
      var has = Boolean(own[j]);
      return { index: j, family: feature.family, key: feature.key, label: feature.label,
               focus_has: has, supplementary: !has && Boolean(extra[j]),
               n_peers_with: withIt[j], n_peers: peers.length,
               peer_share: peers.length ? withIt[j] / peers.length : null,
               gap: !has && withIt[j] > 0 };
    });
  }

  function compareValues(a, b) {
    if (typeof a === "string") { return collator.compare(a, b); }
    return nullLast(a === true ? 1 : a === false ? 0 : a, b === true ? 1 : b === false ? 0 : b);
  }

  function percent(share) { return Math.round(share * 100) + "%"; }

  var GAP_COLUMNS = [
    { key: "feature", label: W.col_feature, value: function (r) { return r.label; } },
    { key: "focus_has", label: W.col_focus_has,
      value: function (r) { return r.focus_has ? 2 : r.supplementary ? 1 : 0; } },
    { key: "n_peers_with", label: W.col_peers_with, value: function (r) { return r.n_peers_with; } },
    { key: "n_peers", label: W.col_n_peers, value: function (r) { return r.n_peers; } },
    { key: "peer_share", label: W.col_share, value: function (r) { return r.peer_share; } },
    { key: "gap", label: W.col_gap, value: function (r) { return r.gap; } }
  ];
  var GAP_COLUMNS_BY_KEY = {};
  GAP_COLUMNS.forEach(function (c) { GAP_COLUMNS_BY_KEY[c.key] = c; });

  function buildCompare() {
    var focus = document.getElementById("focus");
    focusCodes.forEach(function (code) {
      var option = document.createElement("option");
      option.value = code;
      option.textContent = muniName(MUNIS[muniIndex[code]]);
      focus.appendChild(option);
    });
    focus.addEventListener("change", function () {
      state.focus = focus.value;
      state.peers = "";  // a new focus opens on its own default group
      render();
      commit(true);
    });
    var peers = document.getElementById("peers");
    peers.addEventListener("change", function () {
      state.peers = peers.value === defaultOf(state.focus) ? "" : peers.value;
      render();
      commit(true);
    });
  }

  function focusCell(row, r) {
    var td = cell(row);
    td.textContent = r.focus_has ? W.documented
      : r.supplementary ? W.supplementary_only : W.not_documented;
    td.setAttribute("data-value", String(r.focus_has));
    if (r.supplementary) { td.setAttribute("data-supplementary", "true"); }
  }

  function gapRow(r) {
    var row = document.createElement("tr");
    row.setAttribute("data-family", r.family);
    row.setAttribute("data-feature", r.key);
    if (r.gap) { row.className = "gap"; }
    var name = document.createElement("th");
    name.scope = "row";
    name.textContent = r.label;
    row.appendChild(name);
    focusCell(row, r);
    [["n_peers_with", r.n_peers_with], ["n_peers", r.n_peers]].forEach(function (pair) {
      var td = cell(row, "num");
      td.textContent = String(pair[1]);
      td.setAttribute("data-value", String(pair[1]));
    });
    var share = cell(row, "num");
    // numerator and denominator beside every share
    share.textContent = r.peer_share === null ? "—"
      : format(W.share_of, { share: percent(r.peer_share), n: r.n_peers_with, total: r.n_peers });
    share.setAttribute("data-value", r.peer_share === null ? "" : String(r.peer_share));
    var gap = cell(row);
    gap.textContent = r.gap ? W.gap_marker : "";
    gap.setAttribute("data-value", String(r.gap));
    return row;
  }

  function renderCompare() {
    var focus = document.getElementById("focus");
    var peers = document.getElementById("peers");
    var status = document.getElementById("compare-status");
    var reason = document.getElementById("peer-reason");
    var table = document.getElementById("gaps");
    if (!focusCodes.length) { status.textContent = W.status_none; return; }
    focus.value = state.focus;
    var key = peersOf(state);
    var byDefault = defaultOf(state.focus);
    peers.replaceChildren();
    COMPARE.peer_groups[state.focus].forEach(function (g) {
      var option = document.createElement("option");
      option.value = g[0];
      var name = peerName(state.focus, g[0]);
      option.textContent = g[0] === byDefault
        ? format(W.peers_default_option, { group: name, mark: W.default_peers }) : name;
      peers.appendChild(option);
    });
    peers.value = key;
    reason.textContent = format(W.peer_reason, {
      group: peerName(state.focus, byDefault),
      reason: COMPARE.reasons[COMPARE.defaults[state.focus][1]] });
    var rows = benchmark(state.focus, key);
    var n = rows.length ? rows[0].n_peers : 0;
    status.textContent = format(W.gap_lead, { peers: peerName(state.focus, key), n: n });
    status.setAttribute("data-peers", String(n));
    status.setAttribute("data-group", key);
    sortableHeader(table, GAP_COLUMNS, "gsort", "gdir");
    if (state.gsort) {
      var column = GAP_COLUMNS_BY_KEY[state.gsort];
      var sign = state.gdir === "desc" ? -1 : 1;
      rows.sort(function (a, b) {
        return sign * compareValues(column.value(a), column.value(b)) || a.index - b.index;
      });
    }
    // One row group per theme, in the catalogue's order; sorting works inside a theme.
    table.querySelectorAll("tbody").forEach(function (old) { old.remove(); });
    Object.keys(COMPARE.families).forEach(function (family) {
      var mine = rows.filter(function (r) { return r.family === family; });
      if (!mine.length) { return; }
      var body = document.createElement("tbody");
      var head = document.createElement("tr");
      head.className = "theme";
      var th = document.createElement("th");
      th.scope = "rowgroup";
      th.colSpan = GAP_COLUMNS.length;
      th.textContent = COMPARE.families[family];
      head.appendChild(th);
      body.appendChild(head);
      mine.forEach(function (r) { body.appendChild(gapRow(r)); });
      table.appendChild(body);
    });
    var group = [MUNIS[muniIndex[state.focus]]].concat(peerCodes(state.focus, key).map(
      function (code) { return MUNIS[muniIndex[code]]; }));
    renderContext(document.getElementById("compare-context"), group, true);
  }

  // ------------------------------------------------------------------ page
  function syncControls() {
    document.getElementById("q").value = state.q;
  }

  function render() {
    var compare = state.view === "compare";
    document.getElementById("facts-view").hidden = compare;
    document.getElementById("compare-view").hidden = !compare;
    document.querySelectorAll(".views button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-view") === state.view));
    });
    if (compare) { renderCompare(); } else { renderFacts(); }
  }

  buildFilters();
  buildCompare();
  document.getElementById("q").addEventListener("input", function (event) {
    state.q = event.target.value;
    shown = PAGE;
    render();
    commit(false);
  });
  document.getElementById("clear").addEventListener("click", function () {
    var fresh = defaultState();
    state.q = "";
    state.filters = fresh.filters;
    state.purpose = fresh.purpose;
    shown = PAGE;
    syncControls();
    render();
    commit(true);
  });
  document.getElementById("more").addEventListener("click", function () {
    var before = shown;
    shown += PAGE;
    render();
    // keep the keyboard where the reader was: on the first newly shown row's link
    var rows = document.querySelectorAll("#results tbody tr");
    var first = rows[before] && rows[before].querySelector("a");
    if (first) { first.focus(); }
  });
  document.querySelectorAll(".views button").forEach(function (button) {
    button.addEventListener("click", function () {
      state.view = button.getAttribute("data-view");
      render();
      commit(true);
    });
  });

  state = parse(location.hash);
  current = serialize(state);
  syncControls();
  render();
  window.explorer = { fold: fold, benchmark: benchmark, peerName: peerName,
                      state: function () { return state; } };
  window.explorerReadyAt = performance.now();  // for benchmarks/explorer.py
  document.documentElement.setAttribute("data-ready", "true");
}());
