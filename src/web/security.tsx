import type { MessageKey } from './i18n/index.js';
import { Layout, type PageContext } from './layout.js';

const TOPICS = [
  'files',
  'transit',
  'passwords',
  'sessions',
  'logs',
  'location',
  'trash',
  'limits',
] as const;

/** The promises the footer badge links to; each must stay exactly what the code does. */
export function SecurityPage(props: { ctx: PageContext }) {
  const { ctx } = props;
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('security.title')}>
      <article class="prose">
        <h1>{t('security.title')}</h1>
        <p>{t('security.intro')}</p>
        {TOPICS.map((topic) => (
          <section key={topic} aria-labelledby={`security-${topic}`}>
            <h2 id={`security-${topic}`}>{t(`security.${topic}.title` as MessageKey)}</h2>
            <p>{t(`security.${topic}.body` as MessageKey)}</p>
          </section>
        ))}
      </article>
    </Layout>
  );
}
