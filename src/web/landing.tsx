import type { FastifyInstance } from 'fastify';
import { Layout } from './layout.js';
import { pageContext, sendPage } from './render.js';
import { SecurityPage } from './security.js';

export async function landingRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    const ctx = pageContext(request, reply);
    const { t } = ctx;
    return sendPage(
      reply,
      <Layout ctx={ctx} title={t('landing.title')}>
        <section class="hero">
          <h1>{t('landing.title')}</h1>
          <p>{t('landing.intro')}</p>
          <ul class="points">
            <li>{t('landing.point.resume')}</li>
            <li>{t('landing.point.private')}</li>
            <li>{t('landing.point.light')}</li>
            <li>{t('landing.point.languages')}</li>
          </ul>
          {ctx.user ? (
            <a class="button" href="/files">
              {t('nav.files')}
            </a>
          ) : (
            <p class="cta">
              <a class="button" href="/register">
                {t('nav.register')}
              </a>{' '}
              <a href="/signin">{t('nav.signIn')}</a>
            </p>
          )}
        </section>
        <section id="security" class="card" aria-labelledby="security-title">
          <h2 id="security-title">{t('landing.security.title')}</h2>
          <p>{t('landing.security.summary')}</p>
          <p>
            <a href="/security">{t('landing.security.more')}</a>
          </p>
        </section>
      </Layout>,
    );
  });

  app.get('/security', async (request, reply) =>
    sendPage(reply, <SecurityPage ctx={pageContext(request, reply)} />),
  );

  app.get<{ Params: { file: string } }>('/static/:file', async (request, reply) => {
    const asset = app.assets.get(request.params.file);
    if (!asset) return reply.callNotFound();
    return reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .type(asset.contentType)
      .send(asset.body);
  });
}
