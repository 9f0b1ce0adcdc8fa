import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '../helpers/browser-like-client.js';
import type { Random } from '../helpers/seeded-random.js';
import { sendPatch } from '../helpers/tus-fault-client.js';
import { createUpload, tusHeaders } from '../helpers/uploads.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = MiB;

export type KillMode = 'creation' | 'mid-chunk' | 'between-chunks' | 'last-chunk' | 'completion';
const MODES: KillMode[] = ['creation', 'mid-chunk', 'between-chunks', 'last-chunk', 'completion'];

export interface KillPlan {
  run: number;
  mode: KillMode;
  size: number;
  /** The chunk during (or before) which the server dies. */
  chunk: number;
  /** Bytes of that chunk sent before the kill. */
  at: number;
  delayMs: number;
  description: string;
}

/** Every mode gets its share of the runs; where exactly each kill lands is seeded. */
export function planKills(random: Random, runs: number): KillPlan[] {
  return Array.from({ length: runs }, (_, run) => {
    const mode = MODES[run % MODES.length]!;
    const size = 3 * MiB + random.int(1, 256 * KiB);
    const chunks = Math.ceil(size / CHUNK);
    const last = chunks - 1;
    const lastLength = size - last * CHUNK;
    const plan = { run, mode, size, chunk: 0, at: 0, delayMs: random.int(0, 5) };
    if (mode === 'creation') plan.delayMs = random.int(0, 15);
    if (mode === 'mid-chunk') {
      plan.chunk = random.int(0, last - 1);
      plan.at = random.int(1, CHUNK - 1);
    }
    if (mode === 'between-chunks') plan.chunk = random.int(1, last);
    if (mode === 'last-chunk') {
      plan.chunk = last;
      plan.at = random.int(1, lastLength - 1);
    }
    if (mode === 'completion') {
      plan.chunk = last;
      plan.at = lastLength;
      plan.delayMs = random.int(0, 40);
    }
    const where =
      mode === 'creation' || mode === 'between-chunks'
        ? `before chunk ${plan.chunk}`
        : `chunk ${plan.chunk}, byte ${plan.at}`;
    return { ...plan, description: `kill ${mode} (${where}, +${plan.delayMs} ms, ${size} B)` };
  });
}

export interface Progress {
  location: string | undefined;
  /** The highest offset the server acknowledged (a 204 to a PATCH). */
  acknowledged: number;
  /** Bytes handed to the connection: the server cannot hold more. */
  sent: number;
  /** The server acknowledged the last byte: from then on it is a file. */
  completed: boolean;
}

/** Uploads `data` chunk by chunk and calls `kill` at the point the plan says. */
export async function uploadUntilKilled(
  client: Client,
  data: Buffer,
  name: string,
  plan: KillPlan,
  kill: () => Promise<unknown>,
): Promise<Progress> {
  const headers = await tusHeaders(client);
  const progress: Progress = { location: undefined, acknowledged: 0, sent: 0, completed: false };
  const creating = createUpload(client, {
    'upload-length': String(data.length),
    'upload-metadata': `filename ${Buffer.from(name).toString('base64')}`,
  }).catch(() => undefined);

  if (plan.mode === 'creation') {
    await delay(plan.delayMs);
    await kill();
    const created = await creating;
    if (created?.status === 201) progress.location = created.headers.get('location')!;
    return progress;
  }

  const created = await creating;
  if (created?.status !== 201) throw new Error(`creation answered ${created?.status ?? 'nothing'}`);
  progress.location = created.headers.get('location')!;

  for (let chunk = 0, offset = 0; offset < data.length; chunk++, offset += CHUNK) {
    const body = data.subarray(offset, offset + CHUNK);
    if (chunk === plan.chunk && plan.mode === 'between-chunks') {
      await delay(plan.delayMs);
      await kill();
      return progress;
    }
    const dying = chunk === plan.chunk;
    const flight = sendPatch(
      client,
      headers,
      progress.location,
      offset,
      body,
      dying ? plan.at : body.length,
    );
    await flight.sent;
    progress.sent = offset + (dying ? plan.at : body.length);
    if (dying) {
      await delay(plan.delayMs);
      await kill();
    }
    const result = await flight.response;
    if (result?.status === 204 && result.offset !== undefined) {
      progress.acknowledged = result.offset;
      progress.completed = result.offset === data.length;
    } else if (!dying) {
      throw new Error(`chunk ${chunk} answered ${result?.status ?? 'nothing'}`);
    }
    if (dying) return progress;
  }
  return progress;
}
