// GenAI: Bedrock cost by department, model and provider (first-party or Marketplace),
// cost per million tokens, and why one department pays more per token than another.
'use strict';

(function () {
  const { el, fmt } = CS;

  function genaiRequest(f, groupBy) {
    const request = { group_by: groupBy };
    if (f.from) request.from = f.from;
    // GenAI takes the last day inclusive.
    if (f.to) request.to = CS.dayBefore(f.to);
    return request;
  }

  const groupColumns = (label) => [
    { key: 'group', label },
    { key: 'cost', label: 'Cost', kind: 'usd' },
    { key: 'tokens', label: 'Tokens (M)', kind: 'num', render: (r) => el('span', { dataset: { value: r.tokens }, text: fmt.num(r.tokens / 1e6) }) },
    { key: 'cost_per_million_tokens', label: 'Per M tokens', kind: 'usd' },
    { key: 'share', label: 'Share', kind: 'share' },
  ];

  async function departments(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/genai', genaiRequest(f, ['department']));
    const rows = report.rows.slice().sort((a, b) => b.cost - a.cost);
    return [
      CS.tiles([
        { id: 'genai-cost', label: 'Bedrock cost', value: report.total.cost },
        { id: 'genai-per-million', label: 'Per million tokens', value: report.total.cost_per_million_tokens },
        { id: 'genai-cache', label: 'Saved by prompt caching', value: report.total.cache_savings },
      ]),
      CS.barChart('Bedrock cost by department', rows.map((r) => r.group), [{ name: 'Cost', data: rows.map((r) => r.cost) }], { height: 220 }),
      CS.table(groupColumns('Department'), rows, { name: 'genai-departments', caption: 'Cost and tokens by department' }),
    ];
  }

  async function comparison(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/genai', genaiRequest(f, ['department']));
    return [
      CS.table([
        { key: 'department', label: 'Department' },
        { key: 'main_model', label: 'Main model' },
        { key: 'main_model_share', label: 'Of its tokens', kind: 'share' },
        { key: 'cost_per_million_tokens', label: 'Per M tokens', kind: 'usd' },
      ], report.departments, { name: 'genai-comparison', caption: 'What each department pays per million tokens' }),
      el('ul', { id: 'genai-why' }, report.comparisons.map((c) => el('li', { text: c.why }))),
    ];
  }

  async function models(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/genai', genaiRequest(f, ['model']));
    const rows = report.rows.slice().sort((a, b) => b.cost - a.cost);
    const prices = new Map(report.models.map((m) => [m.model, m]));
    return CS.table([
      ...groupColumns('Model'),
      { key: 'provider', label: 'Provider', render: (r) => el('span', { text: (prices.get(r.group) || {}).provider_type || '—' }) },
    ], rows, { name: 'genai-models', caption: 'Cost and tokens by model' });
  }

  async function providers(ctx, f) {
    const report = await ctx.call('POST', '/api/v1/genai', genaiRequest(f, ['provider']));
    return [
      CS.pieChart('Bedrock cost by provider: first-party or Marketplace', report.rows.map((r) => ({ name: r.group, value: r.cost })), { height: 240 }),
      CS.table(groupColumns('Provider'), report.rows, { name: 'genai-providers' }),
    ];
  }

  CS.views.genai = {
    title: 'GenAI',
    description: 'Bedrock spend by department, model and provider, per million tokens.',
    needs: ['cur'],
    render(grid, f) {
      const honours = ['period'];
      CS.addPanel(grid, { id: 'genai-departments', title: 'By department', needs: ['cur'], honours, load: (ctx) => departments(ctx, f) });
      CS.addPanel(grid, { id: 'genai-comparison', title: 'Department comparison', needs: ['cur'], honours, load: (ctx) => comparison(ctx, f) });
      CS.addPanel(grid, { id: 'genai-models', title: 'By model', wide: true, needs: ['cur'], honours, load: (ctx) => models(ctx, f) });
      CS.addPanel(grid, { id: 'genai-providers', title: 'By provider', needs: ['cur'], honours, load: (ctx) => providers(ctx, f) });
    },
  };
})();
