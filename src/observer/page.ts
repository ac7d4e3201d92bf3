import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.js';

/**
 * The observer's single page: markup and style here, script in
 * `page-script.ts`. Both are inlined and allowed by hash in a strict
 * Content-Security-Policy (no other script, style, frame or connection
 * than the page's own origin).
 *
 * @module
 */

const STYLE = `
:root { color-scheme: dark; --bg: #0d1117; --panel: #161b22; --line: #30363d; --fg: #e6edf3;
  --muted: #8b949e; --blue: #58a6ff; --green: #3fb950; --yellow: #d29922; --red: #f85149; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: baseline; gap: 12px; padding: 8px 14px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0; }
.muted, #sysname { color: var(--muted); }
.conn { margin-left: auto; padding: 1px 8px; border-radius: 9px; font-size: 12px; }
.conn.on { background: #12361f; color: var(--green); } .conn.off { background: #3d1618; color: var(--red); }
#cards { display: flex; flex-wrap: wrap; gap: 8px; padding: 8px 14px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; min-width: 92px; }
.card .label { color: var(--muted); font-size: 11px; } .card .value { font-size: 15px; font-variant-numeric: tabular-nums; }
.st-ok .value { color: var(--green); } .st-degraded .value { color: var(--yellow); } .st-shut-down .value { color: var(--red); }
main { display: grid; grid-template-columns: minmax(260px, 1fr) 2.4fr; gap: 10px; padding: 0 14px 14px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; min-width: 0; }
section h2 { font-size: 13px; margin: 0 0 6px; color: var(--muted); font-weight: 600; }
.tree-panel { grid-row: span 2; max-height: 640px; overflow: auto; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 14px; } ul.tree { padding-left: 0; }
.line { display: flex; align-items: center; gap: 5px; padding: 1px 2px; cursor: pointer; border-radius: 3px; white-space: nowrap; }
.line:hover, tr:hover { background: #1f2630; } .sel, tr.sel { background: #1c2d44 !important; }
.toggle { width: 16px; background: none; border: 0; color: var(--muted); cursor: pointer; padding: 0; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: var(--muted); flex: none; }
.s-running { background: var(--blue); } .s-waiting { background: var(--green); } .s-starting, .s-stopping { background: var(--yellow); }
.s-failed { background: var(--red); }
.pid { font-family: ui-monospace, monospace; color: var(--muted); }
.tag { font-size: 11px; color: var(--blue); border: 1px solid #1f3a5f; border-radius: 4px; padding: 0 4px; }
.badge { font-size: 11px; color: var(--yellow); }
.table-panel { max-height: 420px; overflow: auto; }
.tools { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
#filter { flex: 1; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 4px; padding: 4px 8px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 600; cursor: pointer; user-select: none; position: sticky; top: 0; background: var(--panel); }
th.asc::after { content: ' ▲'; } th.desc::after { content: ' ▼'; }
td, th { padding: 3px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.c-pid { font-family: ui-monospace, monospace; } tr { cursor: pointer; } tr.hot td { color: var(--yellow); }
.charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; }
.charts canvas { width: 100%; height: 90px; display: block; }
.bottom { grid-column: 1 / -1; display: grid; grid-template-columns: 1.4fr 1fr; gap: 10px; }
ol.log { list-style: none; margin: 0; padding: 0; max-height: 300px; overflow: auto; font-family: ui-monospace, monospace; font-size: 12px; }
ol.log li { padding: 1px 0; border-bottom: 1px solid #21262d; } ol.log li.link { cursor: pointer; }
ol.log time { color: var(--muted); margin-right: 6px; } ol.log .ty { color: var(--blue); margin-right: 6px; }
.lv-warn .tx, .small .lv-warn { color: var(--yellow); } .lv-error .tx, .small .lv-error { color: var(--red); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; }
.pidlink { background: none; border: 0; color: var(--blue); cursor: pointer; padding: 0 4px 0 0; font-family: ui-monospace, monospace; }
.actions { margin-top: 8px; display: flex; gap: 8px; }
.act { border: 1px solid var(--line); border-radius: 4px; padding: 3px 12px; cursor: pointer; background: #21262d; color: var(--fg); }
.act-kill { color: var(--red); }
h3 { margin: 0 0 6px; font-size: 14px; } h4 { margin: 8px 0 4px; font-size: 12px; color: var(--muted); }
`;

function body(): string {
  const th = (key: string, label: string) => `<th data-key="${key}">${label}</th>`;
  return `<header><h1>airssys-rt observer</h1><span id="sysname"></span><span id="conn" class="conn off">connecting</span></header>
<div id="cards"></div>
<main>
<section class="tree-panel"><h2>Supervision tree</h2><div id="tree"></div></section>
<section class="table-panel">
<div class="tools"><input id="filter" type="search" placeholder="Filter by pid, name, behaviour, status" autocomplete="off"><span id="count" class="muted"></span><span id="truncated" class="muted" hidden>(only the oldest processes are listed)</span></div>
<table id="table"><thead><tr>${th('pid', 'Pid')}${th('name', 'Name')}${th('behaviour', 'Behaviour')}${th('status', 'Status')}${th('mailbox', 'MsgQ')}${th('handled', 'Handled')}${th('restarts', 'Restarts')}${th('memoryBytes', 'Memory')}</tr></thead><tbody id="rows"></tbody></table>
</section>
<section><div class="charts">
<div><h2>Messages / s</h2><canvas id="chart-msgs"></canvas></div>
<div><h2>Restarts per interval</h2><canvas id="chart-restarts"></canvas></div>
<div><h2>Dead letters per interval</h2><canvas id="chart-dead"></canvas></div>
</div></section>
<div class="bottom">
<section><h2>Events and dead letters</h2><ol id="log" class="log"></ol></section>
<section><h2>Process detail</h2><div id="detail"></div></section>
</div>
</main>`;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/**
 * The page and the Content-Security-Policy that allows exactly its inline
 * style and script.
 *
 * @example
 * ```ts
 * const page = renderPage();
 * res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.csp });
 * res.end(page.html);
 * ```
 */
export function renderPage(): { readonly html: string; readonly csp: string } {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>airssys-rt observer</title><style>${STYLE}</style></head>
<body>
${body()}
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(PAGE_SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
