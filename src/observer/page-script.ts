/**
 * The observer page's script: vanilla JavaScript, no build step, kept as a
 * string because tsc copies no asset files. It renders every value with
 * `textContent` (names and labels are user data), listens to
 * `api/events` (server-sent events) and fetches a process's detail on
 * click. The token, when the page was opened with `?token=`, is passed on
 * to every request.
 *
 * @module
 */

/**
 * The page's script, inlined in a `<script>` element whose hash the
 * Content-Security-Policy allows.
 *
 * @example
 * ```ts
 * const html = `<script>${PAGE_SCRIPT}</script>`;
 * ```
 */
// biome-ignore lint/complexity/noUselessStringRaw: keeps any future backslash in the script literal
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token');
  var q = token ? '?token=' + encodeURIComponent(token) : '';
  var st = { snap: null, sortKey: 'pid', sortDir: 1, filter: '', collapsed: new Set(),
    selected: null, log: [], detailSeq: 0, freshStream: true };
  var COLS = ['pid', 'name', 'behaviour', 'status', 'mailbox', 'handled', 'restarts', 'memoryBytes'];
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pidText(pid) { return '<0.' + pid + '>'; }
  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function duration(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
  }
  function clock(t) { return new Date(t).toLocaleTimeString(); }
  function fmt(n) { return Math.round(n).toLocaleString('en-US'); }

  function card(label, value, cls) {
    var c = el('div', 'card' + (cls ? ' ' + cls : ''));
    c.appendChild(el('div', 'label', label));
    c.appendChild(el('div', 'value', value));
    return c;
  }
  function renderCards(s) {
    var last = s.series.length ? s.series[s.series.length - 1] : null;
    var loop = s.health.eventLoopDelayMs;
    var cards = $('cards');
    cards.replaceChildren(
      card('status', s.system.status + (s.system.warnings.length ? ' (' + s.system.warnings.join(', ') + ')' : ''),
        'st-' + s.system.status),
      card('uptime', duration(s.system.uptimeMs)),
      card('processes', fmt(s.totals.processes)),
      card('supervisors', fmt(s.totals.supervisors)),
      card('msgs/s', last ? fmt(last.messagesPerSecond) : '-'),
      card('restarts', fmt(s.totals.restarts)),
      card('dead letters', fmt(s.totals.deadLetters)),
      card('queued', fmt(s.totals.mailboxQueued)),
      card('loop p99', loop ? loop.p99.toFixed(1) + ' ms' : '-'),
      card('heap / rss', bytes(s.system.heapUsedBytes) + ' / ' + bytes(s.system.rssBytes)));
    $('sysname').textContent = s.system.name + ' · node ' + s.system.node;
    $('truncated').hidden = !s.truncated;
  }

  function renderTree(s) {
    var byPid = new Map();
    s.processes.forEach(function (r) { byPid.set(r.pid, r); });
    function node(r) {
      var li = el('li', 'node');
      li.dataset.pid = r.pid;
      var line = el('div', 'line' + (st.selected === r.pid ? ' sel' : ''));
      var kids = r.children.filter(function (c) { return byPid.has(c); }).sort(function (a, b) { return a - b; });
      var open = !st.collapsed.has(r.pid);
      var tog = el('button', 'toggle', kids.length ? (open ? '▾' : '▸') : '·');
      tog.disabled = !kids.length;
      tog.addEventListener('click', function (ev) {
        ev.stopPropagation();
        if (st.collapsed.has(r.pid)) st.collapsed.delete(r.pid); else st.collapsed.add(r.pid);
        renderTree(st.snap);
      });
      line.appendChild(tog);
      line.appendChild(el('span', 'dot s-' + r.status));
      line.appendChild(el('span', 'pid', r.id));
      line.appendChild(el('span', 'nm', r.name || r.behaviour));
      if (r.kind === 'supervisor') line.appendChild(el('span', 'tag', r.behaviour));
      if (r.restarts) line.appendChild(el('span', 'badge', '↻' + r.restarts));
      line.addEventListener('click', function () { select(r.pid); });
      li.appendChild(line);
      if (kids.length && open) {
        var ul = el('ul');
        kids.forEach(function (c) { ul.appendChild(node(byPid.get(c))); });
        li.appendChild(ul);
      }
      return li;
    }
    var root = el('ul', 'tree');
    s.processes.forEach(function (r) {
      if (r.parent === undefined || r.parent === null || !byPid.has(r.parent)) root.appendChild(node(r));
    });
    $('tree').replaceChildren(root);
  }

  function cell(r, k) {
    if (k === 'pid') return r.id;
    if (k === 'memoryBytes') return bytes(r.memoryBytes);
    if (k === 'name') return r.name || '';
    return r[k];
  }
  function renderTable(s) {
    var f = st.filter.toLowerCase();
    var rows = s.processes.filter(function (r) {
      if (!f) return true;
      return [r.id, r.name || '', r.behaviour, r.status, r.kind].join(' ').toLowerCase().indexOf(f) !== -1;
    });
    var k = st.sortKey, d = st.sortDir;
    rows.sort(function (a, b) {
      var x = a[k], y = b[k];
      if (x === undefined || x === null) x = '';
      if (y === undefined || y === null) y = '';
      var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (c || a.pid - b.pid) * d;
    });
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr', (r.mailbox > 100 ? 'hot' : '') + (st.selected === r.pid ? ' sel' : ''));
      tr.dataset.pid = r.pid;
      COLS.forEach(function (c) { tr.appendChild(el('td', 'c-' + c, cell(r, c))); });
      tr.addEventListener('click', function () { select(r.pid); });
      body.appendChild(tr);
    });
    body.id = 'rows';
    $('rows').replaceWith(body);
    $('count').textContent = rows.length + ' of ' + s.totals.processes;
    document.querySelectorAll('#table th').forEach(function (th) {
      th.classList.toggle('asc', th.dataset.key === k && d === 1);
      th.classList.toggle('desc', th.dataset.key === k && d === -1);
    });
  }

  function chart(id, series, key) {
    var cv = $(id), ratio = window.devicePixelRatio || 1;
    var w = cv.clientWidth, h = cv.clientHeight;
    if (cv.width !== w * ratio) { cv.width = w * ratio; cv.height = h * ratio; }
    var g = cv.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var vals = series.map(function (p) { return p[key]; });
    var max = Math.max(1, Math.max.apply(null, vals.concat([0])));
    g.fillStyle = '#8b949e'; g.font = '11px sans-serif';
    g.fillText(fmt(max), 4, 12);
    g.fillText(vals.length ? fmt(vals[vals.length - 1]) + ' now' : 'no data', w - 70, 12);
    if (vals.length < 2) return;
    var n = Math.max(vals.length, 2), step = (w - 8) / (n - 1);
    g.strokeStyle = key === 'messagesPerSecond' ? '#58a6ff' : key === 'restarts' ? '#d29922' : '#f85149';
    g.lineWidth = 1.5; g.beginPath();
    vals.forEach(function (v, i) {
      var x = 4 + i * step, y = h - 4 - (v / max) * (h - 20);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
  }
  function renderCharts(s) {
    chart('chart-msgs', s.series, 'messagesPerSecond');
    chart('chart-restarts', s.series, 'restarts');
    chart('chart-dead', s.series, 'deadLetters');
  }

  function appendLog(entries) {
    // The first log event of a (re)connection carries the whole ring: it replaces the list.
    st.log = (st.freshStream ? entries : st.log.concat(entries)).slice(-500);
    st.freshStream = false;
    var list = el('ol', 'log');
    list.id = 'log';
    for (var i = st.log.length - 1; i >= 0; i--) {
      var e = st.log[i], li = el('li', 'lv-' + e.level);
      li.dataset.type = e.type;
      li.appendChild(el('time', null, clock(e.wall)));
      li.appendChild(el('span', 'ty', e.type));
      li.appendChild(el('span', 'tx', e.text));
      if (e.pid !== undefined && e.pid !== null) {
        li.classList.add('link');
        li.addEventListener('click', select.bind(null, e.pid));
      }
      list.appendChild(li);
    }
    $('log').replaceWith(list);
  }

  function pidLinks(dd, pids) {
    if (!pids.length) dd.textContent = 'none';
    pids.forEach(function (p) {
      var a = el('button', 'pidlink', pidText(p));
      a.addEventListener('click', function () { select(p); });
      dd.appendChild(a);
    });
  }
  function renderDetail(info, message) {
    var box = $('detail');
    box.replaceChildren();
    if (!info) { box.appendChild(el('p', 'muted', message || 'Click a process to see its detail.')); return; }
    box.appendChild(el('h3', null, info.id + (info.name ? ' ' + info.name : '') + ' · ' + (info.label || 'actor')));
    var dl = el('dl');
    function row(k, v) { dl.appendChild(el('dt', null, k)); var dd = el('dd', null, v); dl.appendChild(dd); return dd; }
    row('status', info.status);
    row('kind', info.kind);
    row('parent', info.parent ? pidText(info.parent) : 'none (top level)');
    pidLinks(row('children'), info.children);
    pidLinks(row('links'), info.links);
    row('monitors / monitored by', info.monitors + ' / ' + info.monitoredBy);
    row('trap exit', info.trapExit ? 'yes' : 'no');
    row('handled', fmt(info.handled));
    row('restarts', info.restarts);
    row('mailbox', info.mailbox.size + ' queued, high water ' + info.mailbox.highWater +
      ', capacity ' + (info.mailbox.capacity === null ? '∞' : info.mailbox.capacity));
    row('dropped / rejected / expired', info.mailbox.dropped + ' / ' + info.mailbox.rejected + ' / ' + info.mailbox.expired);
    row('timers / pending asks', info.timers + ' / ' + info.pendingAsks);
    row('memory (estimate)', bytes(info.memoryBytes));
    box.appendChild(dl);
    if (st.snap && st.snap.system.control) {
      var bar = el('div', 'actions');
      ['stop', 'kill'].forEach(function (action) {
        var b = el('button', 'act act-' + action, action);
        b.addEventListener('click', function () { control(info.pid, action); });
        bar.appendChild(b);
      });
      box.appendChild(bar);
    }
    if (message) box.appendChild(el('p', 'muted', message));
    if (info.log && info.log.length) {
      box.appendChild(el('h4', null, 'recent events'));
      var ol = el('ol', 'log small');
      info.log.slice().reverse().forEach(function (e) { ol.appendChild(el('li', 'lv-' + e.level, clock(e.wall) + ' ' + e.text)); });
      box.appendChild(ol);
    }
  }
  function select(pid) {
    st.selected = pid;
    if (st.snap) { renderTree(st.snap); renderTable(st.snap); }
    loadDetail();
  }
  function loadDetail(message) {
    var pid = st.selected, seq = ++st.detailSeq;
    if (pid === null) return;
    var listed = st.snap && (st.snap.truncated || st.snap.processes.some(function (r) { return r.pid === pid; }));
    if (st.snap && !listed) { renderDetail(null, pidText(pid) + ' is not alive' + (message ? ' (' + message + ')' : '')); return; }
    fetch('api/processes/' + pid + q).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      if (seq !== st.detailSeq) return;
      if (r.ok) renderDetail(r.body, message);
      else renderDetail(null, pidText(pid) + ': ' + (r.body.message || r.body.error));
    }).catch(function () {});
  }
  function control(pid, action) {
    var headers = token ? { authorization: 'Bearer ' + token } : {};
    fetch('api/processes/' + pid + '/' + action, { method: 'POST', headers: headers }).then(function (res) {
      return res.json();
    }).then(function (body) {
      // The next snapshot shows the outcome; meanwhile say what the server said.
      $('detail').appendChild(el('p', 'muted', body.message || (action + ': ' + (body.error || 'done'))));
    }).catch(function () {});
  }

  document.querySelectorAll('#table th').forEach(function (th) {
    th.addEventListener('click', function () {
      var k = th.dataset.key;
      if (st.sortKey === k) st.sortDir = -st.sortDir; else { st.sortKey = k; st.sortDir = 1; }
      if (st.snap) renderTable(st.snap);
    });
  });
  $('filter').addEventListener('input', function (e) {
    st.filter = e.target.value;
    if (st.snap) renderTable(st.snap);
  });

  function connect() {
    var es = new EventSource('api/events' + q);
    es.addEventListener('open', function () {
      st.freshStream = true;
      $('conn').textContent = 'live';
      $('conn').className = 'conn on';
    });
    es.addEventListener('error', function () { $('conn').textContent = 'reconnecting'; $('conn').className = 'conn off'; });
    es.addEventListener('snapshot', function (e) {
      var s = JSON.parse(e.data);
      st.snap = s;
      renderCards(s); renderTree(s); renderTable(s); renderCharts(s);
      if (st.selected !== null) loadDetail();
      document.body.dataset.updated = String(s.system.at);
    });
    es.addEventListener('log', function (e) { appendLog(JSON.parse(e.data)); });
  }
  renderDetail(null);
  connect();
})();
`;
