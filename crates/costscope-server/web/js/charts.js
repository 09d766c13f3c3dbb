// Charts with Apache ECharts (the common build, embedded): SVG rendering, ARIA
// descriptions on, resized with their container. Every chart has its numbers in a table
// beside it as well.
'use strict';

(function () {
  const { el, fmt } = CS;
  const palette = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#0891b2', '#db2777', '#65a30d', '#9ca3af'];
  const charts = new Set();

  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  /// A chart of `option` in a new element labelled `label`.
  CS.chart = function (label, option, height = 280) {
    const node = el('div.chart', { role: 'img', 'aria-label': label, style: `height:${height}px` });
    const render = () => {
      if (!node.isConnected) return requestAnimationFrame(render);
      const chart = echarts.init(node, null, { renderer: 'svg' });
      chart.setOption({
        color: palette,
        aria: { enabled: true, label: { description: label } },
        animation: false,
        // The page's own font, named (not `inherit`): ECharts measures labels with it.
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        tooltip: { trigger: 'axis', valueFormatter: (v) => fmt.usd(v) },
        ...option,
      });
      charts.add(chart);
      new ResizeObserver(() => chart.resize()).observe(node);
    };
    requestAnimationFrame(render);
    return node;
  };

  /// Stacked (or grouped) bars over `categories` with `series` [{name, data}].
  CS.barChart = function (label, categories, series, options = {}) {
    return CS.chart(label, {
      legend: series.length > 1 ? { type: 'scroll', top: 0 } : undefined,
      // Category names are truncated to 150 px: keep that room left of the axis (the
      // estimate `containLabel` makes does not count the truncation).
      ...(options.horizontal ? { grid: { left: 158, right: 16, top: series.length > 1 ? 36 : 8, bottom: 24 } } : {}),
      xAxis: options.horizontal
        ? { type: 'value', axisLabel: { formatter: (v) => fmt.usdShort(v) } }
        : { type: 'category', data: categories },
      yAxis: options.horizontal
        ? { type: 'category', data: categories, inverse: true, axisLabel: { width: 150, overflow: 'truncate' } }
        : { type: 'value', axisLabel: { formatter: options.axis || ((v) => fmt.usdShort(v)) } },
      tooltip: { trigger: 'axis', valueFormatter: options.format || ((v) => fmt.usd(v)) },
      series: series.map((s) => ({
        type: 'bar',
        stack: options.stack === false ? undefined : 'total',
        ...s,
      })),
    }, options.height);
  };

  /// Lines over `categories`.
  CS.lineChart = function (label, categories, series, options = {}) {
    return CS.chart(label, {
      legend: series.length > 1 ? { top: 0 } : undefined,
      xAxis: { type: 'category', data: categories },
      yAxis: series.some((s) => s.yAxisIndex)
        ? [{ type: 'value', axisLabel: { formatter: options.axis } }, { type: 'value', axisLabel: { formatter: options.axis2 } }]
        : { type: 'value', axisLabel: { formatter: options.axis || ((v) => fmt.usdShort(v)) } },
      tooltip: { trigger: 'axis', valueFormatter: options.format || ((v) => fmt.num(v)) },
      series: series.map((s) => ({ type: 'line', symbolSize: 6, ...s })),
    }, options.height);
  };

  /// A doughnut of `items` [{name, value}].
  CS.pieChart = function (label, items, options = {}) {
    return CS.chart(label, {
      legend: { type: 'scroll', bottom: 0 },
      tooltip: { trigger: 'item', valueFormatter: options.format || ((v) => fmt.usd(v)) },
      series: [{ type: 'pie', radius: ['40%', '70%'], data: items, label: { formatter: '{b}: {d}%' } }],
    }, options.height);
  };
})();
