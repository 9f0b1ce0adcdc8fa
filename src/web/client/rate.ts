/** Speed, time left and percentages, in the page's language through Intl. */
export class RateMeter {
  private firstBytes = 0;
  private firstTime = 0;
  private lastBytes = 0;
  private lastTime = 0;
  /** Bytes per second, smoothed so one slow chunk does not swing the estimate. */
  speed = 0;

  sample(bytes: number, now = performance.now()): void {
    if (this.firstTime === 0 || bytes < this.lastBytes) {
      this.firstBytes = this.lastBytes = bytes;
      this.firstTime = this.lastTime = now;
      return;
    }
    const elapsed = now - this.lastTime;
    if (elapsed < 500) return;
    const current = ((bytes - this.lastBytes) * 1000) / elapsed;
    this.speed = this.speed === 0 ? current : this.speed * 0.7 + current * 0.3;
    this.lastBytes = bytes;
    this.lastTime = now;
  }

  /** Milliseconds measured so far. */
  span(): number {
    return this.lastTime - this.firstTime;
  }

  /** Bytes per second over the whole span: steadier than `speed` for judging the link. */
  average(): number {
    const span = this.span();
    return span > 0 ? ((this.lastBytes - this.firstBytes) * 1000) / span : 0;
  }

  reset(): void {
    this.firstTime = 0;
    this.speed = 0;
  }
}

export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    fraction,
  );
}

export function formatSpeed(bytesPerSecond: number, locale: string): string {
  const mega = bytesPerSecond >= 1024 * 1024;
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: mega ? 'megabyte-per-second' : 'kilobyte-per-second',
    maximumFractionDigits: mega ? 1 : 0,
  }).format(bytesPerSecond / (mega ? 1024 * 1024 : 1024));
}

export function formatDuration(seconds: number, locale: string): string {
  const [value, unit] =
    seconds < 60
      ? [Math.max(1, Math.round(seconds)), 'second']
      : seconds < 3600
        ? [Math.round(seconds / 60), 'minute']
        : [Math.round(seconds / 360) / 10, 'hour'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

export function formatSize(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}
