import type { ComponentChildren } from 'preact';
import { LANGUAGE_NAMES, LANGUAGES, type Language, type Translate } from './i18n/index.js';

export interface PageContext {
  t: Translate;
  language: Language;
  direction: 'ltr' | 'rtl';
  assetUrl: (entry: string) => string;
  csrfToken: string;
  user: { email: string } | null;
  /** Where the language switch returns to. */
  path: string;
}

export function Layout(props: {
  ctx: PageContext;
  title: string;
  scripts?: string[];
  children: ComponentChildren;
}) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <html lang={ctx.language} dir={ctx.direction}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${t('site.name')}`}</title>
        <link rel="stylesheet" href={ctx.assetUrl('styles.css')} />
        {props.scripts?.map((entry) => (
          <script type="module" src={ctx.assetUrl(entry)} key={entry} />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          {t('site.skip')}
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            {t('site.name')}
          </a>
          <nav aria-label={t('nav.label')}>
            {ctx.user ? (
              <>
                <a href="/files">{t('nav.files')}</a>
                <a href="/trash">{t('nav.trash')}</a>
                <a href="/account">{t('nav.account')}</a>
                <form method="post" action="/signout" class="inline">
                  <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                  <button type="submit" class="link">
                    {t('nav.signOut')}
                  </button>
                </form>
              </>
            ) : (
              <>
                <a href="/signin">{t('nav.signIn')}</a>
                <a href="/register">{t('nav.register')}</a>
              </>
            )}
          </nav>
          <LanguageSwitch ctx={ctx} />
        </header>
        <main id="main">{props.children}</main>
        <footer class="site-footer">
          <p>{t('site.tagline')}</p>
          <a class="shield" href="/security">
            <ShieldIcon />
            {t('site.shield')}
          </a>
        </footer>
      </body>
    </html>
  );
}

/** A plain form, so switching works without scripts and a GET never changes anything. */
function LanguageSwitch(props: { ctx: PageContext }) {
  const { ctx } = props;
  return (
    <form method="post" action="/language" class="languages" aria-label={ctx.t('language.label')}>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      <input type="hidden" name="next" value={ctx.path} />
      {LANGUAGES.map((language) => (
        <button
          type="submit"
          name="language"
          value={language}
          lang={language}
          class="link"
          aria-current={language === ctx.language ? 'true' : undefined}
          key={language}
        >
          {LANGUAGE_NAMES[language]}
        </button>
      ))}
    </form>
  );
}

function ShieldIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.6-4.6 1.4 1.4-6 6z"
      />
    </svg>
  );
}

export function ErrorList(props: { messages: string[] }) {
  if (props.messages.length === 0) return null;
  return (
    <div class="alert error" role="alert">
      {props.messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

export function Notice(props: { text?: string; children?: ComponentChildren }) {
  if (!props.text) return null;
  return (
    <p class="alert" role="status">
      {props.text} {props.children}
    </p>
  );
}
