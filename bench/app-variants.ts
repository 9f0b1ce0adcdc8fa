/**
 * `createApp` options that run the same upload and download path without encryption at
 * rest: the baseline of the encryption rows. Undefined while the app has no such switch,
 * and the encryption rows then say that they were not run.
 */
export const WITHOUT_ENCRYPTION: object | undefined = undefined;
