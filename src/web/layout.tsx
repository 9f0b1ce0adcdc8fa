import type { ComponentChildren } from 'preact';
import type { Translate } from './i18n/index.js';

export interface PageContext {
  t: Translate;
  language: string;
  direction: 'ltr' | 'rtl';
  assetUrl: (entry: string) => string;
  csrfToken: string;
  user: { email: string } | null;
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
        <header class="site-header">
          <a class="brand" href="/">
            {t('site.name')}
          </a>
          <nav>
            {ctx.user ? (
              <>
                <a href="/files">{t('nav.files')}</a>
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
        </header>
        <main>{props.children}</main>
        <footer class="site-footer">{t('site.tagline')}</footer>
      </body>
    </html>
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
