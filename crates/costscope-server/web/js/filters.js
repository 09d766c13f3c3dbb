// The filter bar every view shares, held in the URL (`#/VIEW?from=…&to=…&…`) so that a
// link reproduces the view, and what each analysis makes of it.
'use strict';

(function () {
  const { el } = CS;

  CS.FILTER_KEYS = ['from', 'to', 'granularity', 'measure', 'account', 'team', 'service', 'tag'];
  const DEFAULTS = { granularity: 'monthly', measure: 'unblended' };

  /// `{view, filters, params}` of the URL's fragment.
  CS.readLocation = function () {
    const hash = window.location.hash.replace(/^#\/?/, '');
    const [view, query = ''] = hash.split('?');
    const params = new URLSearchParams(query);
    const filters = {};
    for (const key of CS.FILTER_KEYS) filters[key] = params.get(key) || DEFAULTS[key] || '';
    const extra = {};
    for (const [key, value] of params) if (!CS.FILTER_KEYS.includes(key)) extra[key] = value;
    return { view: view || '', filters, params: extra };
  };

  /// The fragment of `view` with `filters` and view parameters.
  CS.locationOf = function (view, filters, params = {}) {
    const query = new URLSearchParams();
    for (const key of CS.FILTER_KEYS) {
      if (filters[key] && filters[key] !== DEFAULTS[key]) query.set(key, filters[key]);
    }
    for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
    const text = query.toString();
    return `#/${view}${text ? '?' + text : ''}`;
  };

  /// Goes to `view` with `filters` (and view parameters); the router renders it.
  CS.navigate = function (view, filters, params) {
    const target = CS.locationOf(view, filters, params);
    if (window.location.hash !== target) window.location.hash = target;
    else CS.render();
  };

  /// Changes one view parameter (a selected anomaly, a metric) without leaving the view.
  CS.setParam = function (name, value) {
    const { view, filters, params } = CS.readLocation();
    CS.navigate(view, filters, { ...params, [name]: value });
  };

  // What the filters become for each kind of request.

  /// `DIM=VALUE` filters of the Cost Explorer (and tag:KEY=VALUE).
  CS.costFilters = function (f) {
    const filters = [];
    if (f.account) filters.push(`account=${f.account}`);
    if (f.service) filters.push(`service=${f.service}`);
    if (f.team) filters.push(`team=${f.team}`);
    if (f.tag && f.tag.includes('=')) filters.push(`tag:${f.tag}`);
    return filters;
  };

  /// The Cost Explorer's request for `f`, grouped by `groupBy`.
  CS.costRequest = function (f, groupBy, extra = {}) {
    const request = {
      group_by: groupBy,
      granularity: f.granularity || 'monthly',
      measure: f.measure || 'unblended',
      filters: CS.costFilters(f),
      ...extra,
    };
    if (f.from) request.from = f.from;
    if (f.to) request.to = f.to;
    return request;
  };

  /// Names of the filters a cost request honours, for the panel's note.
  CS.COST_FILTERS = ['period', 'granularity', 'measure', 'account', 'team', 'service', 'tag'];

  /// Amortized measures for analyses that take only the four cost measures.
  CS.costMeasure = (f) => (['unblended', 'amortized', 'net-unblended', 'net-amortized'].includes(f.measure) ? f.measure : 'unblended');

  /// `YYYY-MM` of a day.
  CS.month = (day) => (day ? day.slice(0, 7) : undefined);

  /// The day before `day` (`to` is exclusive in requests, inclusive in some).
  CS.dayBefore = function (day) {
    const d = new Date(day + 'T00:00:00Z');
    d.setUTCDate(d.getUTCDate() - 1);
    return d.toISOString().slice(0, 10);
  };

  /// The filter bar of `filters`; `onApply(filters)` when it changes.
  CS.filterBar = function (filters, onApply) {
    const field = (name, label, control) => el('div.field', {}, el('label', { for: `filter-${name}`, text: label }), control);
    const select = (name, options) => el(
      'select',
      { id: `filter-${name}`, name },
      options.map(([value, label]) => el('option', { value, selected: filters[name] === value, text: label })),
    );
    const input = (name, type, attrs = {}) => el('input', { id: `filter-${name}`, name, type, value: filters[name] || '', ...attrs });
    const form = el(
      'form.filter-bar',
      { role: 'search', 'aria-label': 'Filters' },
      field('from', 'From', input('from', 'date')),
      field('to', 'To (excl.)', input('to', 'date')),
      field('granularity', 'Granularity', select('granularity', [['daily', 'Daily'], ['weekly', 'Weekly'], ['monthly', 'Monthly']])),
      field('measure', 'Measure', select('measure', [
        ['unblended', 'Unblended'], ['amortized', 'Amortized'], ['net-unblended', 'Net unblended'],
        ['net-amortized', 'Net amortized'], ['public', 'On-demand equivalent'],
      ])),
      field('account', 'Account', input('account', 'text', { list: 'accounts-list', placeholder: 'any', autocomplete: 'off' })),
      field('team', 'Team', input('team', 'text', { list: 'teams-list', placeholder: 'any', autocomplete: 'off' })),
      field('service', 'Service', input('service', 'text', { list: 'services-list', placeholder: 'any', autocomplete: 'off' })),
      field('tag', 'Tag', input('tag', 'text', { placeholder: 'key=value', autocomplete: 'off', pattern: '[^=]+=.*' })),
      el('div.field.actions', {},
        el('button', { type: 'submit', text: 'Apply' }),
        el('button.secondary', { type: 'button', text: 'Clear', onclick: () => onApply({}) })),
      el('datalist', { id: 'accounts-list' }),
      el('datalist', { id: 'teams-list' }),
      el('datalist', { id: 'services-list' }),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = {};
      for (const key of CS.FILTER_KEYS) values[key] = (form.elements[key].value || '').trim();
      onApply(values);
    });
    for (const name of ['granularity', 'measure', 'from', 'to']) {
      form.elements[name].addEventListener('change', () => form.requestSubmit());
    }
    fillLists(form);
    return form;
  };

  // The accounts, teams and services the principal sees, for the bar's suggestions.
  let choices = null;
  function fillLists(form) {
    if (!choices) {
      const list = (group, field = group) => CS.api('POST', '/api/v1/cost', { group_by: [group], granularity: 'monthly', measure: 'unblended', filters: [] })
        .then((report) => [...new Set(report.rows.map((r) => r[field]))].filter((v) => v && v !== 'Others').sort())
        .catch(() => []);
      choices = Promise.all([list('account', 'account_name'), list('team'), list('service')]);
    }
    choices.then(([accounts, teams, services]) => {
      const fill = (id, values) => form.querySelector('#' + id).replaceChildren(...values.map((v) => el('option', { value: v })));
      fill('accounts-list', accounts);
      fill('teams-list', teams);
      fill('services-list', services);
    });
  }
  CS.choices = () => {
    if (!choices) fillLists(el('form', {}, el('datalist', { id: 'accounts-list' }), el('datalist', { id: 'teams-list' }), el('datalist', { id: 'services-list' })));
    return choices;
  };
  CS.resetChoices = () => {
    choices = null;
  };
})();
