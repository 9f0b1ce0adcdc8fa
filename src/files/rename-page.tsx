import { ErrorList, Layout, type PageContext } from '../web/layout.js';

export function RenamePage(props: {
  ctx: PageContext;
  kind: 'file' | 'folder';
  action: string;
  name: string;
  back: string;
  errors?: string[];
}) {
  const { ctx } = props;
  const { t } = ctx;
  const title = t(props.kind === 'file' ? 'rename.fileTitle' : 'rename.folderTitle');
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <ErrorList messages={props.errors ?? []} />
      <form method="post" action={props.action} class="card stack">
        <input type="hidden" name="_csrf" value={ctx.csrfToken} />
        <label for="name">{t('rename.label')}</label>
        <input
          id="name"
          name="name"
          type="text"
          required
          maxLength={255}
          dir="auto"
          autocomplete="off"
          value={props.name}
        />
        <p class="row">
          <button type="submit">{t('rename.submit')}</button>
          <a href={props.back}>{t('rename.cancel')}</a>
        </p>
      </form>
    </Layout>
  );
}
