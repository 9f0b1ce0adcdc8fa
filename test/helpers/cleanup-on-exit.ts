import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * What a test leaves on the machine: child processes, temporary folders, mounts. Each is
 * undone by the test's own `after` hook; if the test runner dies first, this exit handler
 * still kills, unmounts and removes, so nothing survives a failed run.
 */
const children = new Set<ChildProcess>();
const folders = new Set<string>();
const mounts = new Set<string>();

let installed = false;
function install() {
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    for (const mount of mounts) {
      try {
        execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
      } catch {}
    }
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
}

export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function trackFolder(folder: string): void {
  install();
  folders.add(folder);
}

export function untrackFolder(folder: string): void {
  folders.delete(folder);
}

export function trackMount(path: string): void {
  install();
  mounts.add(path);
}

export function untrackMount(path: string): void {
  mounts.delete(path);
}
