// Types for render.mjs, so that TypeScript tests can import it.

/** The folder holding the template, cloudflare-real-ip.conf and this module. */
export declare const NGINX_DIR: string;
export declare const TEMPLATE_PATH: string;
export declare const PLACEHOLDERS: readonly string[];

export interface NginxConfigOptions {
  /** Port nginx listens on, on `listenAddress`. */
  listenPort: number;
  /** App instances, "host:port" each, balanced round-robin. */
  upstreams: string[];
  /** Where nginx keeps its pid and temporary files; also the `-p` prefix. */
  prefixDir: string;
  /** Where access.log and error.log go; `<prefixDir>/logs` when omitted. */
  logDir?: string;
  /** Defaults to 127.0.0.1. */
  listenAddress?: string;
  /** Sources trusted, like Cloudflare's ranges, to name the client in CF-Connecting-IP. */
  realIpFrom?: string[];
  /** Defaults to "warn". */
  errorLogLevel?: string;
  /** Worker user: "root" when the caller is root, otherwise none; null leaves it out. */
  user?: string | null;
}

export interface WrittenNginxConfig {
  prefixDir: string;
  logDir: string;
  configPath: string;
  pidPath: string;
  tempDir: string;
  accessLogPath: string;
  errorLogPath: string;
  /** Arguments for `spawn('nginx', args)`: runs in the foreground with this configuration. */
  args: string[];
}

/** Fills the template's KHAZNATI_* placeholders; every one needs a value. */
export declare function renderSite(
  values: Record<string, string | undefined>,
  template?: string,
): string;

/** A complete nginx.conf for `nginx -p <prefixDir> -c <file>`. */
export declare function renderNginxConfig(options: NginxConfigOptions): string;

/** Writes `<prefixDir>/nginx.conf` and creates the log and temporary folders. */
export declare function writeNginxConfig(options: NginxConfigOptions): WrittenNginxConfig;
