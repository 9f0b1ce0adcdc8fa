import { UAParser } from 'ua-parser-js';
import { formatDate } from '../web/format.js';
import type { Translate } from '../web/i18n/index.js';
import { ErrorList, Layout, type PageContext } from '../web/layout.js';
import type { ActiveSession } from './session.js';

export function AccountPage(props: {
  ctx: PageContext;
  sessions: ActiveSession[];
  currentSessionId: string;
  notice?: string;
  errors?: string[];
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('account.title')}>
      <h1>{t('account.title')}</h1>
      <p class="muted">{t('account.signedInAs', { email: ctx.user?.email ?? '' })}</p>
      {props.notice && (
        <p class="alert" role="status">
          {props.notice}
        </p>
      )}

      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">{t('account.password.title')}</h2>
        <ErrorList messages={props.errors ?? []} />
        <form method="post" action="/account/password" class="stack">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <label for="currentPassword">{t('field.currentPassword')}</label>
          <input
            id="currentPassword"
            name="currentPassword"
            type="password"
            autocomplete="current-password"
            required
          />
          <label for="newPassword">{t('field.newPassword')}</label>
          <input
            id="newPassword"
            name="newPassword"
            type="password"
            autocomplete="new-password"
            minLength={10}
            maxLength={256}
            required
            aria-describedby="new-password-hint"
          />
          <p id="new-password-hint" class="muted">
            {t('field.passwordHint')}
          </p>
          <label for="newPasswordConfirmation">{t('field.newPasswordConfirmation')}</label>
          <input
            id="newPasswordConfirmation"
            name="newPasswordConfirmation"
            type="password"
            autocomplete="new-password"
            required
          />
          <button type="submit">{t('account.password.submit')}</button>
        </form>
      </section>

      <section class="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">{t('account.sessions.title')}</h2>
        <p class="muted">{t('account.sessions.intro')}</p>
        <table class="files">
          <thead>
            <tr>
              <th scope="col">{t('account.sessions.device')}</th>
              <th scope="col">{t('account.sessions.place')}</th>
              <th scope="col">{t('account.sessions.lastSeen')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {props.sessions.map((session) => (
              <tr key={session.id}>
                <td>
                  <bdi>{describeDevice(session.userAgent, t)}</bdi>
                </td>
                <td>
                  <bdi>{describeNetwork(session.ipPrefix, t)}</bdi>
                </td>
                <td>{formatDate(session.lastSeenAt, ctx.language)}</td>
                <td class="actions">
                  {session.id === props.currentSessionId ? (
                    <strong>{t('account.sessions.current')}</strong>
                  ) : (
                    <form method="post" action={`/account/sessions/${session.id}/revoke`}>
                      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                      <button type="submit" class="link danger">
                        {t('account.sessions.revoke')}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/account/signout-everywhere">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button type="submit" class="danger">
            {t('account.sessions.signOutEverywhere')}
          </button>
        </form>
      </section>
    </Layout>
  );
}

export function describeDevice(userAgent: string, t: Translate): string {
  const { browser, os } = new UAParser(userAgent).getResult();
  if (!browser.name || !os.name) return browser.name ?? os.name ?? t('account.device.unknown');
  return t('account.device.browserOnOs', { browser: browser.name, os: os.name });
}

/** Only the truncated network is ever stored, so that is all that can be shown. */
export function describeNetwork(ipPrefix: string, t: Translate): string {
  if (!ipPrefix) return t('account.place.unknown');
  return ipPrefix.includes(':') ? `${ipPrefix}/48` : `${ipPrefix}/24`;
}
