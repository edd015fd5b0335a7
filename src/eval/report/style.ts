// The report's inline stylesheet (no external fonts or files).
export const REPORT_CSS = `
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; max-width: 1080px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.subtitle, .created, .note { color: #555; } .note { font-size: 0.9em; margin-top: 0.3em; }
table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; } td.num { text-align: right; }
th { background: #f4f4f6; } caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
td.best { font-weight: 700; }
nav ol { columns: 2; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 1em 0; font-size: 12px; }
svg .grid { stroke: #e6e6e6; } svg .axis { stroke: #333; } svg .chart-title { font-weight: 600; font-size: 14px; }
svg .axis-title { fill: #333; } svg .tick, svg .legend { fill: #333; } svg .errorbar line { stroke-width: 1.5; }
figure { margin: 1em 0; }
.grid-images td { text-align: center; vertical-align: top; } .grid-images img { image-rendering: pixelated; display: block; margin: auto; }
.verdict { border-left: 5px solid #999; padding: 0.5em 1em; margin: 1em 0; background: #fafafa; }
.verdict.reproduced { border-color: #2e7d32; } .verdict.not-reproduced { border-color: #c62828; } .verdict.inconclusive { border-color: #ef6c00; } .verdict.premise-not-met { border-color: #6a1b9a; }
.badge { font-weight: 700; text-transform: uppercase; font-size: 0.85em; }
`;
