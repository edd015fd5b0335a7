// The HTML report: types of the document, the renderer, charts, colour maps and image helpers.
export type * from './types.js';
export { renderReport, writeReport, blockHtml } from './html.js';
export { escapeHtml, formatCell, formatMeanStd, formatMetric, formatNumber, formatPercent, isShown, MISSING, summarize, metricOf, intervalOf, type Summary } from './format.js';
export { lineChartSvg } from './line_chart.js';
export { barChartSvg } from './bar_chart.js';
export { classColour, viridis, segToRgb, segOverlay, depthRange, depthToRgb, normalsToRgb } from './colormap.js';
export { pngDataUri, imageCell, denseRow, type DenseSample } from './images.js';
export { denormalize } from '../../data/loader/index.js';
export { zeroShotSection, retrievalSection, comparisonTable, efficiencyChart, captionQualityTable, nestedMetricsTable,
  type CaptionQualityRow, type MetricSpec, type NestedMetricColumn, type VariantSeeds } from './sections.js';
