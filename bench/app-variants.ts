/**
 * `createApp` options that run the same upload and download path without encryption at
 * rest (a plaintext codec over the same blob store): the baseline of the encryption rows.
 */
export const WITHOUT_ENCRYPTION: object | undefined = { benchmarkWithoutEncryption: true };
