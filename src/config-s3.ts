import { z } from 'zod';

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  /** Never logged. */
  secretAccessKey: string;
}

/** The bucket's variables, documented in .env.example; part of the schema in config.ts. */
export const s3Variables = {
  S3_ENDPOINT: z
    .string()
    .regex(/^https?:\/\/[^/]/, 'must be an http:// or https:// URL')
    .optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'must be a region name such as us-east-1')
    .optional(),
  // S3's naming rules: 3 to 63 lower-case letters, digits, dots and hyphens.
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name')
    .optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
};

type S3Variables = { [name in keyof typeof s3Variables]?: string };

const NAMES = ['S3_ENDPOINT', 'S3_REGION', 'S3_BUCKET', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const;

/**
 * All five or none: a half-configured bucket would silently leave the bytes on the local
 * disk of one instance. A problem names the variable, never a value.
 */
export function s3Settings(
  vars: S3Variables,
): { settings: S3Settings | undefined } | { variable: string; problem: string } {
  const given = NAMES.filter((name) => vars[name] !== undefined);
  if (given.length === 0) return { settings: undefined };

  // A key without its secret, or the reverse, is the likeliest slip: name it as a pair.
  if (vars.S3_ACCESS_KEY && !vars.S3_SECRET_KEY) {
    return { variable: 'S3_SECRET_KEY', problem: 'is required when S3_ACCESS_KEY is set' };
  }
  if (vars.S3_SECRET_KEY && !vars.S3_ACCESS_KEY) {
    return { variable: 'S3_ACCESS_KEY', problem: 'is required when S3_SECRET_KEY is set' };
  }
  const missing = NAMES.find((name) => vars[name] === undefined);
  if (missing) return { variable: missing, problem: `is required when ${given[0]} is set` };

  return {
    settings: {
      endpoint: vars.S3_ENDPOINT!,
      region: vars.S3_REGION!,
      bucket: vars.S3_BUCKET!,
      accessKeyId: vars.S3_ACCESS_KEY!,
      secretAccessKey: vars.S3_SECRET_KEY!,
    },
  };
}
