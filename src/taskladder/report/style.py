"""The report's only stylesheet, inlined so the file opens offline."""

CSS = """
:root { --fg:#111827; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb; --good:#16a34a;
        --bad:#dc2626; --bg:#ffffff; --soft:#f9fafb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1180px;
       padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.meta b { color: var(--fg); font-weight: 600; }
.howto { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
         padding: 8px 14px; margin: 12px 0; }
.howto ul { margin: 4px 0; padding-left: 20px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 13px; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.pareto td:first-child { border-left: 3px solid var(--bad); }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 9px;
         background: var(--line); color: var(--fg); margin-left: 4px; white-space: nowrap; }
.badge.pareto { background: #fee2e2; color: #991b1b; }
.badge.baseline { background: #dcfce7; color: #166534; }
.badge.rung { background: #dbeafe; color: #1e40af; }
.unknown { color: var(--bad); font-style: italic; }
.muted { color: var(--muted); }
.ci { color: var(--muted); font-size: 12px; }
svg.ibar { vertical-align: middle; }
svg.ibar .axis { stroke: var(--line); stroke-width: 2; }
svg.ibar .ci { stroke: var(--accent); stroke-width: 3; stroke-linecap: round; }
svg.ibar .pt { fill: var(--fg); }
.plot svg { width: 100%; max-width: 880px; height: auto; display: block; }
.scroll { overflow-x: auto; }
table.leaderboard { font-size: 13px; }
table.leaderboard td:nth-child(2) { min-width: 200px; }
.lbl { font-weight: 600; margin-top: 6px; }
details { margin: 4px 0; }
details > summary { cursor: pointer; color: var(--accent); }
pre { white-space: pre-wrap; word-break: break-word; margin: 2px 0; font: 12px/1.4 ui-monospace,
      SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 4px 6px;
      border-radius: 4px; }
.err { color: var(--bad); }
.field { color: var(--muted); font-size: 12px; }
.case { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.case h3 { margin: 0 0 6px; font-size: 14px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; }
.verdict { font-size: 15px; background: var(--soft); border-left: 3px solid var(--accent);
           padding: 6px 12px; }
.badge.failed { background: #fee2e2; color: #991b1b; font-weight: 600; }
tr.failed td { background: #fef2f2; }
table.confusion td.hit { background: #dcfce7; font-weight: 600; }
table.confusion td.miss { background: #fee2e2; }
table.confusion { width: auto; }
@media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }
"""
