// Signing in: a token of the access file, or an OpenID Connect redirect to the identity
// provider the access file names (the provider returns an `id_token` in the fragment; the
// server checks its signature, issuer, audience and expiry on every call).
'use strict';

(function () {
  const { el } = CS;
  const PENDING_KEY = 'costscope.oidc';

  function randomString() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /// The claims of a JWT (not verified here: the server verifies it on every call).
  function claims(jwt) {
    const part = jwt.split('.')[1] || '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json);
  }

  /// Redirects to the identity provider's authorization endpoint.
  async function redirect(provider) {
    const issuer = provider.issuer.replace(/\/$/, '');
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`the identity provider's discovery document answered ${response.status}`);
    const discovery = await response.json();
    const state = randomString();
    const nonce = randomString();
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, nonce, back: window.location.hash }));
    const query = new URLSearchParams({
      response_type: 'id_token',
      response_mode: 'fragment',
      client_id: provider.client_id,
      redirect_uri: `${window.location.origin}/`,
      scope: 'openid profile',
      state,
      nonce,
    });
    window.location.assign(`${discovery.authorization_endpoint}?${query}`);
  }

  /// Takes the provider's answer from the fragment, if this page load is one. Returns
  /// the fragment to go back to, or null.
  CS.completeSignIn = function () {
    const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
    if (!fragment.has('id_token') && !fragment.has('error')) return null;
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
    sessionStorage.removeItem(PENDING_KEY);
    history.replaceState(null, '', window.location.pathname);
    if (fragment.has('error')) {
      CS.signInError = `the identity provider refused: ${fragment.get('error_description') || fragment.get('error')}`;
      return '';
    }
    const token = fragment.get('id_token');
    let nonce = null;
    try {
      nonce = claims(token).nonce;
    } catch (_) {
      nonce = null;
    }
    if (!pending || fragment.get('state') !== pending.state || nonce !== pending.nonce) {
      CS.signInError = 'the sign-in answer does not match the request this tab made: sign in again';
      return '';
    }
    CS.auth.set(token);
    return pending.back || '';
  };

  /// The sign-in screen; `onSignedIn()` once a credential works.
  CS.loginScreen = async function (root, onSignedIn) {
    let options = { oidc: null };
    try {
      options = await CS.api('GET', '/api/v1/login');
    } catch (_) {
      options = { oidc: null };
    }
    const message = el('p.error', { role: 'alert', id: 'login-error' });
    if (CS.signInError) message.textContent = CS.signInError;
    const token = el('input', { id: 'login-token', type: 'password', name: 'token', autocomplete: 'current-password', required: true });
    const form = el(
      'form.login',
      { 'aria-labelledby': 'login-title' },
      el('h1', { id: 'login-title', text: 'Sign in to costscope' }),
      el('label', { for: 'login-token', text: 'Access token' }),
      token,
      el('button', { type: 'submit', text: 'Sign in' }),
      options.oidc
        ? el('button.secondary', {
          type: 'button',
          id: 'login-oidc',
          text: 'Sign in with your identity provider',
          onclick: () => redirect(options.oidc).catch((e) => {
            message.textContent = `Cannot reach the identity provider: ${e.message}`;
          }),
        })
        : null,
      message,
      el('p.hint', { text: 'A token of the access file (costscope demo prints one). It is kept in this tab only.' }),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      CS.auth.set(token.value.trim());
      try {
        await CS.api('GET', '/api/v1/whoami');
        onSignedIn();
      } catch (error) {
        CS.auth.clear();
        message.textContent = error.status === 401 ? 'This token is not valid.' : error.message;
      }
    });
    root.replaceChildren(el('main.login-page', { id: 'main' }, form));
    token.focus();
  };
})();
