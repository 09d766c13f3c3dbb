// The application: who is signed in, which views it may see, and the router that renders
// the view of the URL with the filter bar.
'use strict';

(function () {
  const { el } = CS;
  CS.version = document.querySelector('meta[name="costscope-version"]').content;
  const ORDER = ['executive', 'finops', 'team', 'finance', 'genai', 'sql'];
  const root = document.getElementById('app');
  let who = null;

  /// Whether the principal has every table of `needs` (and is an administrator when
  /// `admin`): views and panels without a grant are not shown at all.
  CS.allowed = function (spec) {
    if (!who) return false;
    if (spec.admin && !who.admin) return false;
    if (spec.changes && !who.may_change_state) return false;
    return (spec.needs || []).every((table) => who.admin || who.tables.includes(table));
  };
  CS.who = () => who;

  function visibleViews() {
    return ORDER.filter((name) => CS.views[name] && CS.allowed(CS.views[name]));
  }

  /// The view a principal lands on: administrators on FinOps, others on their team's.
  function landing() {
    const views = visibleViews();
    const preferred = who.admin ? 'finops' : 'team';
    return views.includes(preferred) ? preferred : views[0];
  }

  function header(current) {
    const nav = el('nav', { 'aria-label': 'Views' }, el('ul', {}, visibleViews().map((name) => el('li', {}, el('a', {
      href: CS.locationOf(name, CS.readLocation().filters),
      'aria-current': name === current ? 'page' : null,
      text: CS.views[name].title,
    })))));
    return el(
      'header.top',
      {},
      el('a.skip', { href: '#main', onclick: (e) => { e.preventDefault(); document.getElementById('main').focus(); } }, 'Skip to content'),
      el('div.brand', {}, el('img', { src: `/assets/favicon.svg?v=${CS.version}`, alt: '', width: 24, height: 24 }), 'costscope'),
      nav,
      el('div.user', {},
        el('span', { id: 'whoami', text: `${who.name}${who.admin ? ' (administrator)' : ''}` }),
        el('button.secondary', { type: 'button', id: 'sign-out', text: 'Sign out', onclick: signOut })),
    );
  }

  function signOut() {
    CS.auth.clear();
    who = null;
    CS.resetChoices();
    history.replaceState(null, '', '/');
    start();
  }

  /// Renders the view of the URL.
  CS.render = function () {
    if (!who) return;
    const location = CS.readLocation();
    const views = visibleViews();
    if (!views.length) {
      root.replaceChildren(header(''), el('main', { id: 'main', tabindex: '-1' }, el('h1', { text: 'Nothing to show' }),
        CS.empty('Your principal has no grant on the tables the views read. Ask an administrator for one.')));
      return;
    }
    if (!views.includes(location.view)) {
      const target = CS.locationOf(landing(), location.filters, {});
      history.replaceState(null, '', target);
      return CS.render();
    }
    const view = CS.views[location.view];
    document.title = `${view.title} · costscope`;
    const main = el('main', { id: 'main', tabindex: '-1', dataset: { view: location.view } });
    const bar = CS.filterBar(location.filters, (filters) => CS.navigate(location.view, filters, location.params));
    const heading = el('h1', { text: view.title });
    const grid = el('div.grid');
    main.append(heading, view.description ? el('p.lede', { text: view.description }) : null, bar, grid);
    root.replaceChildren(header(location.view), main);
    CS.panels = [];
    view.render(grid, location.filters, location.params);
    // A view is ready when every panel has loaded: tests and timings wait for this.
    settle().then(() => {
      main.dataset.ready = 'true';
      CS.readyAt = performance.now();
    });
  };

  // Panels may be added while others load (the team view adds its own once it knows
  // the team): wait until no new one appears.
  async function settle() {
    let count;
    do {
      count = CS.panels.length;
      await Promise.allSettled(CS.panels.map((p) => p.done));
    } while (CS.panels.length !== count);
  }

  /// Adds a panel to the current view when the principal may see it.
  CS.addPanel = function (grid, spec) {
    if (!CS.allowed(spec)) return null;
    const panel = CS.panel(grid, spec);
    CS.panels.push(panel);
    return panel;
  };

  async function start() {
    const back = CS.completeSignIn();
    if (back !== null) history.replaceState(null, '', '/' + back);
    if (!CS.auth.token) return CS.loginScreen(root, start);
    try {
      who = await CS.api('GET', '/api/v1/whoami');
    } catch (error) {
      if (error.status === 401) {
        CS.auth.clear();
        CS.signInError = 'Your session has ended: sign in again.';
        return CS.loginScreen(root, start);
      }
      root.replaceChildren(CS.errorNode(error));
      return;
    }
    CS.signInError = null;
    CS.render();
  }

  window.addEventListener('hashchange', () => CS.render());
  document.getElementById('source-dialog').querySelector('button.close').addEventListener('click', () => {
    document.getElementById('source-dialog').close();
  });
  start();
})();
