import { ErrorList, Layout, type PageContext } from '../web/layout.js';

export function RegisterPage(props: { ctx: PageContext; email?: string; errors?: string[] }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('register.title')}>
      <h1>{t('register.title')}</h1>
      <ErrorList messages={props.errors ?? []} />
      <form method="post" action="/register" class="card stack">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <label for="email">{t('field.email')}</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value={props.email ?? ''}
        />
        <label for="password">{t('field.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="new-password"
          minLength={10}
          maxLength={256}
          required
          aria-describedby="password-hint"
        />
        <p id="password-hint" class="muted">
          {t('field.passwordHint')}
        </p>
        <label for="passwordConfirmation">{t('field.passwordConfirmation')}</label>
        <input
          id="passwordConfirmation"
          name="passwordConfirmation"
          type="password"
          autocomplete="new-password"
          required
        />
        <button type="submit">{t('register.submit')}</button>
      </form>
      <p>
        {t('register.haveAccount')} <a href="/signin">{t('nav.signIn')}</a>
      </p>
    </Layout>
  );
}

export function SignInPage(props: {
  ctx: PageContext;
  email?: string;
  next?: string;
  notice?: string;
  errors?: string[];
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('signIn.title')}>
      <h1>{t('signIn.title')}</h1>
      {props.notice && (
        <p class="alert" role="status">
          {props.notice}
        </p>
      )}
      <ErrorList messages={props.errors ?? []} />
      <form method="post" action="/signin" class="card stack">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        {props.next && <input type="hidden" name="next" value={props.next} />}
        <label for="email">{t('field.email')}</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="username"
          required
          value={props.email ?? ''}
        />
        <label for="password">{t('field.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit">{t('signIn.submit')}</button>
      </form>
      <p>
        {t('signIn.noAccount')} <a href="/register">{t('nav.register')}</a>
      </p>
    </Layout>
  );
}
