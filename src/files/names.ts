import { AppError } from '../errors.js';

export const FILE_NAME_MAX_LENGTH = 255;

// Control characters (C0, DEL, C1) and the bidirectional controls that can make
// "invoice‮fdp.exe" display as "invoiceexe.pdf".
const FORBIDDEN = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

/**
 * A file name as the person sees it. It is only ever a label: storage keys are generated
 * by the server, so a name never reaches a path.
 */
export function validateFileName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (
    name.length === 0 ||
    [...name].length > FILE_NAME_MAX_LENGTH ||
    FORBIDDEN.test(name) ||
    name.includes('/') ||
    name.includes('\\') ||
    name === '.' ||
    name === '..'
  ) {
    throw new AppError('file_name_invalid');
  }
  return name;
}

/** Folder names follow the rules of file names, with their own message. */
export function validateFolderName(raw: string): string {
  try {
    return validateFileName(raw);
  } catch {
    throw new AppError('folder_name_invalid');
  }
}
