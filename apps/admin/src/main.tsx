// Starts the console in the page's <main id="app" data-tenant data-locale data-product>.
import { render } from 'preact';
import { apiClient } from './api.ts';
import { App } from './app.tsx';
import { MESSAGES, pickLocale } from './i18n.ts';
import './admin.css';

const root = document.getElementById('app');
if (root) {
  const tenant = root.dataset.tenant ?? '';
  const locale = pickLocale([
    new URLSearchParams(location.search).get('locale'),
    ...(navigator.languages ?? []),
    navigator.language,
    root.dataset.locale,
  ]);
  document.documentElement.lang = locale;
  render(
    <App
      api={apiClient(tenant)}
      t={MESSAGES[locale]}
      locale={locale}
      tenant={tenant}
      product={root.dataset.product ?? ''}
    />,
    root,
  );
}
