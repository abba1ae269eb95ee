using System.Security.Cryptography;
using System.Text;

namespace PcapResetInspector.Cli.Reporting.Html;

/// <summary>
/// The page's style and script, inline (the page opens offline and asks nothing of the network), and the
/// Content-Security-Policy that allows exactly these two by their hashes and nothing else.
/// </summary>
internal static class HtmlAssets
{
    public const string Style = """

        :root{--fg:#1d232a;--muted:#5b6570;--line:#d8dde3;--bg:#fff;--band:#f4f6f8;--benign:#4c9f38;--actionable:#e8890c;--suspicious:#c0392b}
        *{box-sizing:border-box}
        body{margin:0;padding:16px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
        code,.mono,td.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
        .sub{color:var(--muted);margin:0 0 12px}
        dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
        dl.summary dt{color:var(--muted)}dl.summary dd{margin:0}
        .key{font-size:16px;margin:12px 0}
        .pill{display:inline-block;padding:0 8px;border-radius:10px;color:#fff;font-weight:600}
        .pill.v-benign{background:var(--benign)}.pill.v-actionable{background:var(--actionable)}.pill.v-suspicious{background:var(--suspicious)}.pill.zero{background:#c3c9cf}
        .nowrap{white-space:nowrap}details>summary{cursor:pointer;color:#2b6cb0;margin:4px 0}
        table{border-collapse:collapse}
        table.small td,table.small th{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left}
        table.small td.n,table.small th.n{text-align:right;font-variant-numeric:tabular-nums}
        .hosts{display:flex;gap:32px;flex-wrap:wrap}
        .note{color:var(--muted)}
        .chart-tabs>input{position:absolute;opacity:0}
        .chart-tabs>label{display:inline-block;padding:3px 12px;border:1px solid var(--line);border-radius:4px;cursor:pointer;margin-right:4px}
        .chart-tabs>input:checked+label{background:var(--fg);color:#fff;border-color:var(--fg)}
        .chart-tabs>input:focus-visible+label{outline:2px solid #2b8cbe}
        .panel{display:none}
        #by-verdict:checked~.p-verdict,#by-cause:checked~.p-cause{display:block}
        svg.chart{width:100%;max-width:1200px;height:auto;display:block;margin-top:8px}
        svg .grid{stroke:#e7eaee}svg .axis,svg .tick{stroke:#8a939c}
        svg text{font-size:11px;fill:var(--muted)}svg .ylabel{text-anchor:end}svg .xlabel{text-anchor:middle}svg .unit{text-anchor:end}
        svg g.bucket:hover rect{opacity:.75}
        ul.legend{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:4px 16px}
        ul.legend .n{color:var(--muted)}
        .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
        .v-benign{fill:var(--benign);background:var(--benign)}.v-actionable{fill:var(--actionable);background:var(--actionable)}.v-suspicious{fill:var(--suspicious);background:var(--suspicious)}
        .c-0{fill:#e8890c;background:#e8890c}.c-1{fill:#4c9f38;background:#4c9f38}.c-2{fill:#8cc665;background:#8cc665}.c-3{fill:#2b8cbe;background:#2b8cbe}
        .c-4{fill:#b8860b;background:#b8860b}.c-5{fill:#7fb2d9;background:#7fb2d9}.c-6{fill:#f2c12e;background:#f2c12e}.c-7{fill:#a0522d;background:#a0522d}
        .c-8{fill:#d9a066;background:#d9a066}.c-9{fill:#c0392b;background:#c0392b}.c-10{fill:#8e44ad;background:#8e44ad}.c-11{fill:#16a085;background:#16a085}
        .c-12{fill:#e74c8c;background:#e74c8c}.c-13{fill:#7b1f1f;background:#7b1f1f}.c-14{fill:#5dade2;background:#5dade2}.c-15{fill:#7f8c8d;background:#7f8c8d}
        .controls{display:flex;gap:16px;flex-wrap:wrap;align-items:center;margin:8px 0}
        .controls input[type=search]{width:320px;padding:4px 6px}
        .pager{margin:6px 0}.pager button{padding:2px 10px}
        .tablewrap{overflow-x:auto}
        #rows{width:100%;font-size:12.5px}
        #rows th{position:sticky;top:0;background:var(--band);text-align:left;padding:5px 6px;border-bottom:2px solid var(--line);cursor:pointer;white-space:nowrap;user-select:none}
        #rows th[aria-sort=ascending]::after{content:" \25B2"}#rows th[aria-sort=descending]::after{content:" \25BC"}
        #rows td{padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top}
        #rows tr.row td{border-bottom:none;padding-top:6px}
        #rows tr.detail td{padding:0 6px 6px 24px}
        #rows tr.odd td{background:#f6f8fa}
        #rows td.nowrap{white-space:nowrap}#rows td.time{min-width:92px}
        #rows tr.detail td>div{max-width:calc(100vw - 90px)}
        #rows .label{color:var(--muted)}#rows div.hint{color:var(--muted)}
        #rows td.verdict{font-weight:600}
        #rows tr.v-benign td.verdict{color:var(--benign)}#rows tr.v-actionable td.verdict{color:#b36200}#rows tr.v-suspicious td.verdict{color:var(--suspicious)}
        #rows tr.v-benign,#rows tr.v-actionable,#rows tr.v-suspicious{background:none}
        #rows div.wf code{word-break:break-all}
        button.copy{font-size:11px;padding:0 6px;margin-left:4px}
        .offscreen{position:fixed;left:-9999px;top:0}
        """;

    public const string Script = """

        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('data').textContent);
          var S = data.strings, PAGE = 200;
          var KEYS = ['uid','start','reset','client','server','state','history','by','stage','cause','verdict','confidence','evidence','hint','filter','kernel'];
          var SHARED = {state: 1, by: 1, stage: 1, cause: 1, verdict: 1, confidence: 1, hint: 1, kernel: 1};
          // The kernel's reason is a column only on a page whose rows carry one (capture --kernel-reasons).
          var KERNEL = data.kernel === true;
          var SEVERITY = {suspicious: 0, actionable: 1, benign: 2};
          var rows = data.rows.map(function (r, i) {
            var o = {rank: i};
            KEYS.forEach(function (k, j) { o[k] = j >= r.length ? '' : SHARED[k] ? S[r[j]] : r[j]; });
            return o;
          });
          var FRESH = {q: '', verdict: '', cause: '', kernel: '', sort: '', dir: 'asc', page: 0};
          var state = Object.assign({}, FRESH);
          var shown = rows, $ = function (id) { return document.getElementById(id); };
          var tbody = document.querySelector('#rows tbody');

          function iso(us) {
            if (us === null || us === undefined) return '';
            var frac = String(((us % 1e6) + 1e6) % 1e6);
            return new Date(Math.floor(us / 1000)).toISOString().slice(0, 19) + '.' + '000000'.slice(frac.length) + frac + 'Z';
          }
          // A space instead of the T, so that a narrow column wraps the time under its date.
          function readable(us) { return iso(us).replace('T', ' '); }
          function n(x) { return x.toLocaleString('en-US'); }
          function haystack(r) {
            if (r.text === undefined)
              r.text = [r.uid, iso(r.start), iso(r.reset), r.client, r.server, r.state, r.history, r.by, r.stage, r.cause,
                        r.verdict, r.confidence, r.evidence, r.hint, r.filter, r.kernel].join('\n').toLowerCase();
            return r.text;
          }
          function options(select, values) {
            values.forEach(function (v) { var o = document.createElement('option'); o.value = v; o.textContent = v; select.appendChild(o); });
          }
          function distinct(key) {
            var seen = {};
            rows.forEach(function (r) { seen[r[key]] = (seen[r[key]] || 0) + 1; });
            return Object.keys(seen);
          }
          options($('verdict'), distinct('verdict').sort(function (a, b) { return SEVERITY[a] - SEVERITY[b]; }));
          options($('cause'), distinct('cause').sort());
          if (KERNEL) options($('kernel'), distinct('kernel').filter(Boolean).sort());

          function readHash() {
            var text = (location.hash || '').replace(/^#/, '') || (location.search || '').replace(/^\?/, '');
            text.split('&').forEach(function (pair) {
              var at = pair.indexOf('='); if (at < 0) return;
              var key = decodeURIComponent(pair.slice(0, at)), value = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
              if (key === 'filter' || key === 'q') state.q = value;
              else if (key === 'verdict' || key === 'cause' || (key === 'kernel' && KERNEL)) state[key] = value;
              else if (key === 'sort' && KEYS.indexOf(value) >= 0) state.sort = value;
              else if (key === 'dir') state.dir = value === 'desc' ? 'desc' : 'asc';
              else if (key === 'page') state.page = Math.max(0, (parseInt(value, 10) || 1) - 1);
            });
            $('q').value = state.q; $('verdict').value = state.verdict; $('cause').value = state.cause;
            if (KERNEL) $('kernel').value = state.kernel;
          }
          function writeHash() {
            var parts = [];
            if (state.q) parts.push('filter=' + encodeURIComponent(state.q));
            if (state.verdict) parts.push('verdict=' + encodeURIComponent(state.verdict));
            if (state.cause) parts.push('cause=' + encodeURIComponent(state.cause));
            if (state.kernel) parts.push('kernel=' + encodeURIComponent(state.kernel));
            if (state.sort) parts.push('sort=' + state.sort, 'dir=' + state.dir);
            if (state.page) parts.push('page=' + (state.page + 1));
            try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) { /* some viewers forbid it */ }
          }
          function compare(key) {
            return function (a, b) {
              var x = a[key], y = b[key];
              if (x === y) return a.rank - b.rank;
              if (x === null || x === '') return 1;
              if (y === null || y === '') return -1;
              if (key === 'verdict') { x = SEVERITY[x]; y = SEVERITY[y]; }
              var c = x < y ? -1 : x > y ? 1 : 0;
              return (state.dir === 'desc' ? -c : c) || a.rank - b.rank;
            };
          }
          function apply() {
            var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
            shown = rows.filter(function (r) {
              if (state.verdict && r.verdict !== state.verdict) return false;
              if (state.cause && r.cause !== state.cause) return false;
              if (state.kernel && r.kernel !== state.kernel) return false;
              if (!terms.length) return true;
              var h = haystack(r);
              return terms.every(function (t) { return h.indexOf(t) >= 0; });
            });
            if (state.sort) shown.sort(compare(state.sort));
            document.querySelectorAll('#rows th').forEach(function (th) {
              th.setAttribute('aria-sort', th.dataset.key === state.sort ? (state.dir === 'desc' ? 'descending' : 'ascending') : 'none');
            });
            render();
          }
          function cell(tr, text, cls) {
            var td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td;
          }
          function line(td, label, text, cls) {
            var div = document.createElement('div'), b = document.createElement('span');
            div.className = cls; b.className = 'label'; b.textContent = label + ': ';
            div.appendChild(b); div.appendChild(document.createTextNode(text)); td.appendChild(div); return div;
          }
          function render() {
            var pages = Math.max(1, Math.ceil(shown.length / PAGE));
            if (state.page >= pages) state.page = pages - 1;
            var from = state.page * PAGE, to = Math.min(shown.length, from + PAGE);
            var body = document.createDocumentFragment();
            for (var i = from; i < to; i++) {
              var r = shown[i], tr = document.createElement('tr'), stripe = (i - from) % 2 ? ' odd' : '';
              tr.className = 'row v-' + r.verdict + stripe;
              tr.dataset.uid = r.uid;
              cell(tr, r.uid, 'mono nowrap'); cell(tr, readable(r.start), 'mono time'); cell(tr, readable(r.reset), 'mono time');
              cell(tr, r.client, 'mono nowrap'); cell(tr, r.server, 'mono nowrap'); cell(tr, r.state, 'mono');
              cell(tr, r.history, 'mono'); cell(tr, r.by, ''); cell(tr, r.stage, ''); cell(tr, r.cause, 'cause');
              if (KERNEL) cell(tr, r.kernel, 'mono kernel');
              cell(tr, r.verdict, 'verdict'); cell(tr, r.confidence, '');
              body.appendChild(tr);
              // The long texts on a line of their own, under the row they belong to.
              var more = document.createElement('tr'), td = document.createElement('td');
              more.className = 'detail' + stripe; td.colSpan = KERNEL ? 13 : 12;
              line(td, 'evidence', r.evidence, 'ev'); line(td, 'log hint', r.hint, 'hint');
              var wf = line(td, 'Wireshark', '', 'wf'), code = document.createElement('code'), button = document.createElement('button');
              code.textContent = r.filter; button.type = 'button'; button.className = 'copy'; button.textContent = 'copy'; button.dataset.i = i;
              wf.appendChild(code); wf.appendChild(button);
              more.appendChild(td);
              body.appendChild(more);
            }
            tbody.replaceChildren(body);
            $('count').textContent = shown.length === rows.length
              ? n(rows.length) + (rows.length === 1 ? ' row' : ' rows')
              : n(shown.length) + ' of ' + n(rows.length) + (shown.length === 1 ? ' row matches' : ' rows match');
            $('page').textContent = shown.length ? 'rows ' + n(from + 1) + '\u2013' + n(to) + ' of ' + n(shown.length) + ', page ' + (state.page + 1) + ' of ' + pages : 'no row matches';
            $('prev').disabled = state.page === 0; $('next').disabled = state.page >= pages - 1;
            document.body.dataset.shown = String(shown.length);
            writeHash();
          }
          function copy(text, button) {
            function done(ok) { button.textContent = ok ? 'copied' : 'select and copy'; setTimeout(function () { button.textContent = 'copy'; }, 1500); }
            function fallback() {
              var area = document.createElement('textarea'); area.value = text; area.className = 'offscreen'; document.body.appendChild(area);
              area.select(); var ok = false; try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
              document.body.removeChild(area); done(ok);
            }
            if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
            else fallback();
          }
          tbody.addEventListener('click', function (e) {
            var b = e.target.closest('button.copy'); if (b) copy(shown[+b.dataset.i].filter, b);
          });
          var typing;
          $('q').addEventListener('input', function () { clearTimeout(typing); typing = setTimeout(function () { state.q = $('q').value; state.page = 0; apply(); }, 150); });
          $('verdict').addEventListener('change', function () { state.verdict = this.value; state.page = 0; apply(); });
          $('cause').addEventListener('change', function () { state.cause = this.value; state.page = 0; apply(); });
          if (KERNEL) $('kernel').addEventListener('change', function () { state.kernel = this.value; state.page = 0; apply(); });
          $('prev').addEventListener('click', function () { state.page--; render(); });
          $('next').addEventListener('click', function () { state.page++; render(); });
          document.querySelectorAll('#rows th').forEach(function (th) {
            function sort() {
              var key = th.dataset.key;
              state.dir = state.sort === key && state.dir === 'asc' ? 'desc' : 'asc';
              state.sort = key; state.page = 0; apply();
            }
            th.addEventListener('click', sort);
            th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
          });
          window.addEventListener('hashchange', function () { state = Object.assign({}, FRESH); readHash(); apply(); });
          readHash();
          apply();
          document.body.dataset.ready = 'true';
        })();
        """;

    /// <summary>Only the inline style and script below, by hash; no fetch, image, font, frame or form target.</summary>
    public static string ContentSecurityPolicy { get; } =
        $"default-src 'none'; style-src '{Hash(Style)}'; script-src '{Hash(Script)}'; img-src data:; base-uri 'none'; form-action 'none'";

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
