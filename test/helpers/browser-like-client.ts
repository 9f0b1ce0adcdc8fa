/**
 * A small HTTP client that behaves like a browser without scripts: it keeps cookies,
 * reads the CSRF token out of pages, and does not follow redirects by itself.
 */
export class Client {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0 && !headers.has('cookie')) headers.set('cookie', this.cookieHeader());
    if (!headers.has('accept')) headers.set('accept', 'text/html');
    const response = await fetch(new URL(path, this.baseUrl), {
      ...init,
      headers,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) this.remember(line);
    return response;
  }

  private remember(line: string) {
    const [pair = '', ...attributes] = line.split(';');
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const expired = attributes.some(
      (attribute) =>
        /^\s*max-age=0\s*$/i.test(attribute) ||
        (/^\s*expires=/i.test(attribute) && new Date(attribute.split('=')[1]!) < new Date()),
    );
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  /** Loads `pagePath`, takes its CSRF token, and posts the form fields to `action`. */
  async submit(
    pagePath: string,
    action: string,
    fields: Record<string, string>,
  ): Promise<Response> {
    const token = await this.csrfToken(pagePath);
    return this.postForm(action, { _csrf: token, ...fields });
  }

  postForm(action: string, fields: Record<string, string>): Promise<Response> {
    return this.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async csrfToken(pagePath: string): Promise<string> {
    const html = await (await this.get(pagePath)).text();
    const match = html.match(/name="_csrf" value="([^"]+)"/) ?? html.match(/data-csrf="([^"]+)"/);
    if (!match) throw new Error(`No CSRF token on ${pagePath}`);
    return match[1]!;
  }

  /** What a person does: fills in the registration form, then signs in where it leads. */
  async register(email: string, password = 'correct horse battery'): Promise<Response> {
    const registered = await this.submitRegistration(email, password);
    if (registered.headers.get('location') !== '/signin?registered=1') return registered;
    return this.signIn(email, password);
  }

  /** The registration form alone; the answer is the same whether the email is new or not. */
  submitRegistration(email: string, password = 'correct horse battery'): Promise<Response> {
    return this.submit('/register', '/register', {
      email,
      password,
      passwordConfirmation: password,
    });
  }

  async signIn(email: string, password = 'correct horse battery'): Promise<Response> {
    return this.submit('/signin', '/signin', { email, password });
  }
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter++;
  return `${prefix}.${process.pid}.${counter}.${Date.now()}@example.dz`;
}
